/// A scope (RFC 6749 §3.3). ProcessMaker defines three (seed 000): `*` for everything, `view_processes` for reading,
/// `edit_processes` for reading and changing. A registered resource server adds its own (issue 15); those mean
/// nothing to Portcullis's own API and are covered only by themselves.
public struct Scope: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// A scope as stored or as a resource server defines it; `isValidToken` says whether the text may be one.
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let all = Scope(rawValue: "*")
    public static let viewProcesses = Scope(rawValue: "view_processes")
    public static let editProcesses = Scope(rawValue: "edit_processes")

    /// ProcessMaker's own scopes, in the order the pages list them.
    public static let processMaker: [Scope] = [.all, .viewProcesses, .editProcesses]

    /// Seed 000's table spells the scopes singular; ProcessMaker 3's code uses the plural. Both are accepted. Only
    /// ProcessMaker's scopes have spellings; anything else is nil here.
    public init?(spelling: some StringProtocol) {
        switch spelling {
        case "*": self = .all
        case "view_processes", "view_process": self = .viewProcesses
        case "edit_processes", "edit_process": self = .editProcesses
        default: return nil
        }
    }

    /// Whether this is one of ProcessMaker's scopes (the ones Portcullis's own API understands).
    public var isProcessMaker: Bool { Self.processMaker.contains(self) }

    /// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`, at most 100 characters here.
    public static func isValidToken(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.count <= 100
            && text.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }

    /// Words for the consent screen and the token pages; a resource server's scope is described by its registration.
    public var summary: String {
        switch self {
        case .all: "Everything your account can do"
        case .viewProcesses: "Read your data (view only)"
        case .editProcesses: "Read and change your data"
        default: rawValue
        }
    }

    /// Whether holding this scope also grants `other`: `*` covers ProcessMaker's scopes, `edit_processes` covers
    /// `view_processes`. A resource server's scope is covered only by itself, never by `*`: a token asked for with
    /// ProcessMaker's default never reaches another API's scopes.
    public func covers(_ other: Scope) -> Bool {
        if self == other { return true }
        switch (self, other) {
        case (.all, .viewProcesses), (.all, .editProcesses): return true
        case (.editProcesses, .viewProcesses): return true
        default: return false
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A set of scopes, parsed from and rendered to the space-separated form of RFC 6749 §3.3.
public struct ScopeSet: Sendable, Hashable, CustomStringConvertible {
    public let scopes: Set<Scope>

    public init(_ scopes: some Sequence<Scope>) { self.scopes = Set(scopes) }

    /// `*`: what a request without `scope` gets, as ProcessMaker does.
    public static let everything = ScopeSet([.all])

    /// RFC 6749 §3.3: space-delimited, case-sensitive. ProcessMaker's scopes in any of their spellings, and the
    /// names `isKnown` accepts (a workspace's resource-server scopes); anything else is `invalid_scope`.
    /// An absent or blank parameter is `nil`: the caller applies its default.
    public static func parse(_ raw: String?, known isKnown: (Substring) -> Bool = { _ in false }) throws(OAuthError) -> ScopeSet? {
        guard let raw else { return nil }
        let parts = raw.split(whereSeparator: { $0 == " " || $0 == "+" || $0 == "\t" || $0 == "," })
        if parts.isEmpty { return nil }
        var scopes: Set<Scope> = []
        for part in parts {
            if let scope = Scope(spelling: part) {
                scopes.insert(scope)
            } else if isKnown(part) {
                scopes.insert(Scope(rawValue: String(part)))
            } else {
                throw .invalidScope
            }
        }
        return ScopeSet(scopes)
    }

    /// The names in `raw` that are not ProcessMaker's scopes, in order: what a workspace's catalog must know.
    public static func unknownNames(in raw: String?) -> [Substring] {
        guard let raw else { return [] }
        return raw.split(whereSeparator: { $0 == " " || $0 == "+" || $0 == "\t" || $0 == "," }).filter { Scope(spelling: $0) == nil }
    }

    /// A scope column as the store wrote it (`description`): each name as written (it was checked when written).
    /// A value that is not a list of scope tokens grants nothing: a row can only lose scope by being read, never gain
    /// it.
    public init(stored: String) {
        let parts = stored.split(separator: " ")
        guard parts.allSatisfy({ Scope.isValidToken($0) }) else {
            self.init([])
            return
        }
        self.init(parts.map { Scope(spelling: $0) ?? Scope(rawValue: String($0)) })
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
