/// A successful token response (RFC 6749 §5.1).
public struct TokenResponse: Codable, Sendable, Equatable {
    public var accessToken: String
    /// `Bearer` in the pm4 dialect, `bearer` in pm3; RFC 6749 §5.1 makes it case-insensitive.
    public var tokenType: String
    public var expiresIn: Int64
    public var refreshToken: String?
    public var scope: String?

    public init(accessToken: String, tokenType: String, expiresIn: Int64, refreshToken: String?, scope: String?) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
    }
}

/// An error response (RFC 6749 §5.2). The pm4 dialect adds `message`, repeating the description, as
/// Laravel Passport does.
public struct OAuthErrorResponse: Codable, Sendable, Equatable {
    public var error: String
    public var errorDescription: String
    public var message: String?

    public init(error: String, errorDescription: String, message: String? = nil) {
        self.error = error
        self.errorDescription = errorDescription
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
        case message
    }
}
