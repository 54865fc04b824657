/// The scopes ProcessMaker defines (seed 000): `*` for everything, `view_processes` for reading,
/// `edit_processes` for reading and changing.
public enum Scope: String, Sendable, CaseIterable, Comparable {
    case all = "*"
    case viewProcesses = "view_processes"
    case editProcesses = "edit_processes"

    /// Seed 000's table spells the scopes singular; ProcessMaker 3's code uses the plural. Both are accepted.
    public init?(spelling: some StringProtocol) {
        switch spelling {
        case "*": self = .all
        case "view_processes", "view_process": self = .viewProcesses
        case "edit_processes", "edit_process": self = .editProcesses
        default: return nil
        }
    }

    /// Words for the consent screen and the token pages.
    public var summary: String {
        switch self {
        case .all: "Everything your account can do"
        case .viewProcesses: "Read your data (view only)"
        case .editProcesses: "Read and change your data"
        }
    }

    /// Whether holding this scope also grants `other`: `*` covers all, `edit_processes` covers `view_processes`.
    public func covers(_ other: Scope) -> Bool {
        switch (self, other) {
        case (.all, _): true
        case (.editProcesses, .viewProcesses): true
        default: self == other
        }
    }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A set of scopes, parsed from and rendered to the space-separated form of RFC 6749 §3.3.
public struct ScopeSet: Sendable, Hashable, CustomStringConvertible {
    public let scopes: Set<Scope>

    public init(_ scopes: some Sequence<Scope>) { self.scopes = Set(scopes) }

    /// `*`: what a request without `scope` gets, as ProcessMaker does.
    public static let everything = ScopeSet([.all])

    /// RFC 6749 §3.3: space-delimited, case-sensitive. Unknown scopes are `invalid_scope`.
    /// An absent or blank parameter is `nil`: the caller applies its default.
    public static func parse(_ raw: String?) throws(OAuthError) -> ScopeSet? {
        guard let raw else { return nil }
        let parts = raw.split(whereSeparator: { $0 == " " || $0 == "+" || $0 == "\t" || $0 == "," })
        if parts.isEmpty { return nil }
        var scopes: Set<Scope> = []
        for part in parts {
            guard let scope = Scope(spelling: part) else { throw .invalidScope }
            scopes.insert(scope)
        }
        return ScopeSet(scopes)
    }

    /// A scope column as the store wrote it (`description`). A value no longer understood grants nothing: a row can
    /// only lose scope by being read, never gain it.
    public init(stored: String) {
        self = ((try? Self.parse(stored)) ?? nil) ?? ScopeSet([])
    }

    /// The canonical space-separated form, stable across calls (sorted).
    public var description: String { sorted.map(\.rawValue).joined(separator: " ") }

    /// The scopes in a stable order, for JSON arrays.
    public var sorted: [Scope] { scopes.sorted() }

    /// Whether every scope in `other` is covered by one in `self`; RFC 6749 §6 allows a refresh
    /// request to narrow the scope, never to widen it.
    public func covers(_ other: ScopeSet) -> Bool {
        other.scopes.allSatisfy { wanted in scopes.contains { $0.covers(wanted) } }
    }

    /// Whether these scopes allow the scope a route needs.
    public func allows(_ needed: Scope) -> Bool { scopes.contains { $0.covers(needed) } }
}
