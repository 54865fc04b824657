/// The claims of a Portcullis access token: the RFC 9068 JWT profile plus ProcessMaker 4's `scopes` array.
/// Dates are integer seconds since the epoch (RFC 7519 §2 NumericDate, without fractions).
public struct AccessTokenClaims: Codable, Sendable, Equatable {
    public var issuer: String
    /// The user id, or the client id for client-credentials tokens (RFC 9068 §2.2).
    public var subject: String
    /// The resource the token is for: the workspace's API base URL.
    public var audience: String
    public var clientID: String
    /// Space-separated, RFC 6749 §3.3.
    public var scope: String
    /// The same scopes as an array, as ProcessMaker 4's tokens carry them.
    public var scopes: [String]
    public var tokenID: String
    /// The grant (consent or login) the token descends from; nil for client credentials.
    public var grantID: String?
    /// The personal access token row, for tokens made on the API Tokens page.
    public var personalTokenID: String?
    /// For a personal token minted with personal tokens: the `jti`s of those tokens, the first one first. Revoking any
    /// of them revokes this one too, so a token minted from a leaked one dies with it (audit finding 2's class).
    public var personalTokenAncestors: [String]?
    /// The user's token version at issue; a user-wide revocation raises the version and so revokes older tokens.
    public var userVersion: Int?
    public var issuedAt: Int64
    public var notBefore: Int64
    public var expiresAt: Int64

    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case audience = "aud"
        case clientID = "client_id"
        case scope
        case scopes
        case tokenID = "jti"
        case grantID = "gid"
        case personalTokenID = "pat"
        case personalTokenAncestors = "pat_from"
        case userVersion = "uv"
        case issuedAt = "iat"
        case notBefore = "nbf"
        case expiresAt = "exp"
    }

    public init(
        issuer: String, subject: String, audience: String, clientID: String, scope: ScopeSet, tokenID: String,
        grantID: String?, personalTokenID: String? = nil, personalTokenAncestors: [String]? = nil, userVersion: Int? = nil, issuedAt: Int64,
        expiresAt: Int64
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.clientID = clientID
        self.scope = scope.description
        self.scopes = scope.sorted.map(\.rawValue)
        self.tokenID = tokenID
        self.grantID = grantID
        self.personalTokenID = personalTokenID
        self.personalTokenAncestors = personalTokenAncestors
        self.userVersion = userVersion
        self.issuedAt = issuedAt
        self.notBefore = issuedAt
        self.expiresAt = expiresAt
    }

    /// Whether the token acts for a client alone (client credentials) rather than a user.
    public var isClientToken: Bool { subject == clientID }

    /// The user id, when the token acts for a user.
    public var userID: Int? { isClientToken ? nil : Int(subject) }

    /// The scopes, parsed; unknown entries (impossible for tokens we signed) are dropped.
    public var scopeSet: ScopeSet { ScopeSet(scope.split(separator: " ").compactMap { Scope(spelling: $0) }) }
}
