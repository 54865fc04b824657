/// One grant as every list of grants names it: the client's switch, the endpoints' parameters, ProcessMaker 4's
/// spelling, the form's label and the metadata. A new grant is one more row.
public struct GrantDescription: Sendable {
    /// The switch name used on the command line, in JSON and in the database; for a grant without a switch, its name.
    public let name: String
    /// The client switch that allows it; nil for a grant every client may use (`refresh_token`).
    public let clientSwitch: ClientGrants?
    /// Other spellings `ClientGrants(name:)` accepts, ProcessMaker 4's `types` among them.
    public let aliases: [String]
    /// The token endpoint's `grant_type` (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6), if it is redeemed there.
    public let grantType: String?
    /// The authorization endpoint's `response_type` (RFC 6749 §3.1.1), if it starts there.
    public let responseType: String?
    /// ProcessMaker 4's name for the switch in a client's `types`.
    public let pm4Type: String?
    /// The client form's checkbox label.
    public let formLabel: String?
    /// Listed in `grant_types_supported` (RFC 8414 §2).
    public let isAdvertised: Bool

    public init(
        name: String, clientSwitch: ClientGrants?, aliases: [String] = [], grantType: String?, responseType: String? = nil,
        pm4Type: String?, formLabel: String?, isAdvertised: Bool
    ) {
        self.name = name
        self.clientSwitch = clientSwitch
        self.aliases = aliases
        self.grantType = grantType
        self.responseType = responseType
        self.pm4Type = pm4Type
        self.formLabel = formLabel
        self.isAdvertised = isAdvertised
    }

    /// Whether `name` is this grant's switch name or one of its other spellings.
    public func accepts(_ spelling: String) -> Bool { spelling == name || aliases.contains(spelling) }

    /// A grant of the authorization endpoint sends the browser back to a redirect URI (RFC 6749 §3.1.2).
    public var needsRedirectURI: Bool { responseType != nil }

    /// Its value in `grant_types_supported`: the token endpoint's `grant_type`, else its name (`implicit`, RFC 7591 §2).
    public var metadataName: String { grantType ?? name }
}

/// The one table of grants; every list of grants (metadata, the client form, ProcessMaker 4's `types`, the CLI's
/// help, the OpenAPI enums, `ClientGrants`' names) is read from it. Rows are in the order those lists show.
public enum GrantTable {
    public static let rows: [GrantDescription] = [
        GrantDescription(
            name: "authorization_code", clientSwitch: .authorizationCode, aliases: ["authorization_code_grant"],
            grantType: "authorization_code", responseType: "code", pm4Type: "authorization_code_grant",
            formLabel: "Enable Authorization Code Grant", isAdvertised: true),
        GrantDescription(
            name: "password", clientSwitch: .password, aliases: ["password_client"], grantType: "password", pm4Type: "password_client",
            formLabel: "Enable Password Grant", isAdvertised: true),
        // Personal access tokens are minted by the API and the CLI, never at the token endpoint.
        GrantDescription(
            name: "personal_access", clientSwitch: .personalAccess, aliases: ["personal_access_client", "personal_access_token"],
            grantType: nil, pm4Type: "personal_access_client", formLabel: "Enable Personal Access Tokens", isAdvertised: false),
        GrantDescription(
            name: "client_credentials", clientSwitch: .clientCredentials, grantType: "client_credentials", pm4Type: "client_credentials",
            formLabel: "Enable Client Credentials", isAdvertised: true),
        // RFC 6749 §6: whoever holds a refresh token may use it; there is no switch for it.
        GrantDescription(
            name: "refresh_token", clientSwitch: nil, grantType: "refresh_token", pm4Type: nil, formLabel: nil, isAdvertised: true),
        GrantDescription(
            name: "implicit", clientSwitch: .implicit, grantType: nil, responseType: "token", pm4Type: "implicit",
            formLabel: "Enable Implicit Grant", isAdvertised: true),
    ]

    /// The rows that are client switches, in the order the form, the JSON and the database list them.
    public static var switches: [GrantDescription] { rows.filter { $0.clientSwitch != nil } }

    /// RFC 8414 `grant_types_supported`.
    public static var grantTypesSupported: [String] { rows.filter(\.isAdvertised).map(\.metadataName) }

    /// RFC 8414 `response_types_supported`.
    public static var responseTypesSupported: [String] { rows.compactMap(\.responseType) }

    /// The `grant_type` values the token endpoint serves.
    public static var tokenGrantTypes: [String] { rows.compactMap(\.grantType) }

    /// ProcessMaker 4's `types` names, in order.
    public static var pm4Types: [String] { switches.compactMap(\.pm4Type) }

    /// The switch names, in order.
    public static var switchNames: [String] { switches.map(\.name) }

    /// "a, b or c", for help texts and error messages.
    public static func sentence(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : "\(names.dropLast().joined(separator: ", ")) or \(last)"
    }
}
