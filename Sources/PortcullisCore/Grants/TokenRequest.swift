/// Client credentials sent in an HTTP Basic header (RFC 6749 §2.3.1), already decoded.
public struct BasicCredentials: Sendable, Equatable {
    public let clientID: String
    public let secret: String
    public init(clientID: String, secret: String) {
        self.clientID = clientID
        self.secret = secret
    }
}

/// A token request as the grant handlers see it: the body's parameters, however they were encoded,
/// and the Basic credentials if any. The server builds it; Core never sees HTTP.
public struct TokenRequest: Sendable {
    public let parameters: [String: String]
    public let basic: BasicCredentials?
    /// The caller's address, for throttling; nil when unknown.
    public let remoteAddress: String?

    public init(parameters: [String: String], basic: BasicCredentials?, remoteAddress: String? = nil) {
        self.parameters = parameters
        self.basic = basic
        self.remoteAddress = remoteAddress
    }

    /// A parameter's value; RFC 6749 §3.1: "parameters sent without a value MUST be treated as if they were
    /// omitted from the request".
    public subscript(_ name: String) -> String? {
        guard let value = parameters[name], !value.isEmpty else { return nil }
        return value
    }
}

/// What a successful token request hands back; each dialect renders it.
public struct IssuedTokens: Sendable {
    public let accessToken: String
    public let expiresIn: Int64
    public let refreshToken: String?
    public let scope: ScopeSet
    public let claims: AccessTokenClaims

    public init(accessToken: String, expiresIn: Int64, refreshToken: String?, scope: ScopeSet, claims: AccessTokenClaims) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.scope = scope
        self.claims = claims
    }
}

/// Lifetimes, in seconds.
public struct TokenPolicy: Sendable {
    public var accessTokenLifetime: Int64
    public var refreshTokenLifetime: Int64
    public var authorizationCodeLifetime: Int64

    public init(accessTokenLifetime: Int64 = 3600, refreshTokenLifetime: Int64 = 30 * 24 * 3600, authorizationCodeLifetime: Int64 = 300) {
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.authorizationCodeLifetime = authorizationCodeLifetime
    }
}
