/// The claims of a Portcullis access token: the RFC 9068 JWT profile plus ProcessMaker 4's `scopes` array.
/// Dates are integer seconds since the epoch (RFC 7519 §2 NumericDate, without fractions).
public struct AccessTokenClaims: Decodable, Sendable, Equatable {
    public var issuer: String
    /// The user id, or the client id for client-credentials tokens (RFC 9068 §2.2).
    public var subject: String
    /// The resources the token is for (RFC 8707 §2, RFC 9068 §3): the workspace's API base URL, or the resource
    /// servers the client asked for. One is written as a string, several as an array (RFC 7519 §4.1.3).
    public var audience: [String]
    public var clientID: String
    /// Space-separated, RFC 6749 §3.3.
    public var scope: String { didSet { scopeSet = ScopeSet(stored: scope) } }
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
    /// The workspace's name, so a resource server (which sees no URL of Portcullis's) knows whose token it is.
    public var workspace: String?
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
        case workspace
        case issuedAt = "iat"
        case notBefore = "nbf"
        case expiresAt = "exp"
    }

    public init(
        issuer: String, subject: String, audience: [String], clientID: String, scope: ScopeSet, tokenID: String,
        grantID: String?, personalTokenID: String? = nil, personalTokenAncestors: [String]? = nil, userVersion: Int? = nil,
        workspace: String? = nil, issuedAt: Int64, expiresAt: Int64
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.clientID = clientID
        self.scope = scope.description
        self.scopeSet = ScopeSet(stored: self.scope)
        self.scopes = scope.sorted.map(\.rawValue)
        self.tokenID = tokenID
        self.grantID = grantID
        self.personalTokenID = personalTokenID
        self.personalTokenAncestors = personalTokenAncestors
        self.userVersion = userVersion
        self.workspace = workspace
        self.issuedAt = issuedAt
        self.notBefore = issuedAt
        self.expiresAt = expiresAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try c.decode(String.self, forKey: .issuer)
        subject = try c.decode(String.self, forKey: .subject)
        if let one = try? c.decode(String.self, forKey: .audience) {
            audience = [one]
        } else {
            audience = try c.decode([String].self, forKey: .audience)
        }
        clientID = try c.decode(String.self, forKey: .clientID)
        scope = try c.decode(String.self, forKey: .scope)
        scopeSet = ScopeSet(stored: scope)
        scopes = try c.decode([String].self, forKey: .scopes)
        tokenID = try c.decode(String.self, forKey: .tokenID)
        grantID = try c.decodeIfPresent(String.self, forKey: .grantID)
        personalTokenID = try c.decodeIfPresent(String.self, forKey: .personalTokenID)
        personalTokenAncestors = try c.decodeIfPresent([String].self, forKey: .personalTokenAncestors)
        userVersion = try c.decodeIfPresent(Int.self, forKey: .userVersion)
        workspace = try c.decodeIfPresent(String.self, forKey: .workspace)
        issuedAt = try c.decode(Int64.self, forKey: .issuedAt)
        notBefore = try c.decode(Int64.self, forKey: .notBefore)
        expiresAt = try c.decode(Int64.self, forKey: .expiresAt)
    }

    /// The JWT payload, written without Foundation's encoder (issue 14: it was 3% of a client-credentials grant): the
    /// one place the claims are encoded. `aud` is a string for one resource, an array for several (RFC 7519 §4.1.3).
    /// AccessTokenCodecTests decodes it back and compares.
    public var jsonPayload: [UInt8] {
        var writer = FlatJSONWriter()
        writer.string("iss", issuer)
        writer.string("sub", subject)
        writer.audience("aud", audience)
        writer.string("client_id", clientID)
        writer.string("scope", scope)
        writer.strings("scopes", scopes)
        writer.string("jti", tokenID)
        writer.string("gid", grantID)
        writer.string("pat", personalTokenID)
        writer.strings("pat_from", personalTokenAncestors)
        writer.integer("uv", userVersion)
        writer.string("workspace", workspace)
        writer.integer("iat", issuedAt)
        writer.integer("nbf", notBefore)
        writer.integer("exp", expiresAt)
        return writer.finish()
    }

    /// Whether the token acts for a client alone (client credentials) rather than a user.
    public var isClientToken: Bool { subject == clientID }

    /// The user id, when the token acts for a user.
    public var userID: Int? { isClientToken ? nil : Int(subject) }

    /// The scopes, parsed as the store reads them; parsed once, when the claims are made or decoded, since every
    /// bearer check asks (a verified token is kept and asked again on each request).
    public private(set) var scopeSet: ScopeSet
}
