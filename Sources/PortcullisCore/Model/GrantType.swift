/// The grant types of RFC 6749 §4 that a client may be switched on for, and that the token endpoint knows.
public enum GrantType: String, Sendable, CaseIterable, Codable {
    case authorizationCode = "authorization_code"
    case password
    case clientCredentials = "client_credentials"
    case refreshToken = "refresh_token"
    case implicit
    case personalAccess = "personal_access"
}

/// The five switches an auth client carries (seed 004 and DESIGN.md's data section). Their names, spellings and
/// order come from `GrantTable`.
public struct ClientGrants: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let authorizationCode = ClientGrants(rawValue: 1 << 0)
    public static let password = ClientGrants(rawValue: 1 << 1)
    public static let personalAccess = ClientGrants(rawValue: 1 << 2)
    public static let clientCredentials = ClientGrants(rawValue: 1 << 3)
    public static let implicit = ClientGrants(rawValue: 1 << 4)

    /// Names used on the command line, in JSON and in the database.
    public static var names: [(String, ClientGrants)] { GrantTable.switches.compactMap { row in row.clientSwitch.map { (row.name, $0) } } }

    /// Parses one switch name; ProcessMaker 4's `types` spellings are accepted too.
    public init?(name: String) {
        guard let row = GrantTable.switches.first(where: { $0.accepts(name) }), let grant = row.clientSwitch else { return nil }
        self = grant
    }

    /// The switch names that are on, in a fixed order.
    public var names: [String] { Self.names.filter { contains($0.1) }.map(\.0) }

    /// ProcessMaker 4's `types` of the switches that are on, in the same order.
    public var pm4Types: [String] {
        GrantTable.switches.filter { row in row.clientSwitch.map(contains) ?? false }.compactMap(\.pm4Type)
    }
}
