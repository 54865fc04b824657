/// Every failure Portcullis reports to a client, named once.
///
/// The descriptions follow the error table of ProcessMaker 3's documentation (seed 000) where it has a
/// row, so clients written against it see the same text. The server's one error path (`ErrorRendering`)
/// decides its status and renders it per dialect; Core knows nothing of HTTP.
public enum OAuthError: Error, Sendable, Equatable {
    /// RFC 6749 §5.2: malformed body, missing parameter, repeated parameter, two authentication methods.
    case invalidRequest(String)
    /// The client id or secret did not match (RFC 6749 §5.2 `invalid_client`).
    case invalidClient
    /// Neither HTTP Basic nor body credentials were sent.
    case clientCredentialsMissing
    /// Password grant: unknown user, wrong password, or an inactive user; one message for all three.
    case invalidUserCredentials
    /// Authorization code unknown, used, expired, or issued to another client or redirect URI.
    case invalidAuthorizationCode
    /// Refresh token unknown, used, revoked, expired, or issued to another client.
    case invalidRefreshToken(String)
    /// PKCE verification failed (RFC 7636 §4.6), reported as `invalid_grant`.
    case invalidCodeVerifier(String)
    /// The client may not use this grant (RFC 6749 §5.2 `unauthorized_client`).
    case unauthorizedClient(String)
    /// RFC 6749 §5.2 `unsupported_grant_type`; carries the grant type the client sent.
    case unsupportedGrantType(String)
    /// A scope outside the ones this server defines, or wider than the grant allows.
    case invalidScope
    /// RFC 8707 §2: a `resource` that is not a registered resource server of the workspace, not an absolute URI, or
    /// wider than the grant; carries the reason.
    case invalidTarget(String)
    /// The user pressed Deny on the consent screen.
    case accessDenied
    /// Authorization endpoint: the response type is not supported or not enabled for the client.
    case unsupportedResponseType(String)
    /// Bearer token expired (RFC 6750 §3.1 `invalid_token`).
    case expiredToken
    /// Bearer token malformed, wrongly signed, revoked or foreign (RFC 6750 §3.1 `invalid_token`).
    case invalidToken
    /// Bearer token lacks a scope the route needs (RFC 6750 §3.1); carries the scope needed.
    case insufficientScope(String)
    /// No redirect URI was sent and the client has none stored, or the one sent is not registered.
    case invalidRedirectURI
    /// Too many failed attempts; the caller should wait this many seconds.
    case throttled(retryAfter: Int)
    /// The database or another dependency is unreachable right now.
    case temporarilyUnavailable
    /// An internal failure; the detail goes to the log, never to the client.
    case serverError

    /// The `error` code of RFC 6749 §5.2 / RFC 6750 §3.1.
    public var code: String {
        switch self {
        case .invalidRequest: "invalid_request"
        case .invalidClient, .clientCredentialsMissing: "invalid_client"
        case .invalidUserCredentials, .invalidAuthorizationCode, .invalidRefreshToken, .invalidCodeVerifier:
            "invalid_grant"
        case .unauthorizedClient: "unauthorized_client"
        case .unsupportedGrantType: "unsupported_grant_type"
        case .invalidScope: "invalid_scope"
        case .invalidTarget: "invalid_target"
        case .accessDenied: "access_denied"
        case .unsupportedResponseType: "unsupported_response_type"
        case .expiredToken, .invalidToken: "invalid_token"
        case .insufficientScope: "insufficient_scope"
        case .invalidRedirectURI: "invalid_uri"
        case .throttled, .temporarilyUnavailable: "temporarily_unavailable"
        case .serverError: "server_error"
        }
    }

    /// The `error_description`; seed 000's wording where the seed has a row.
    public var description: String {
        switch self {
        case .invalidRequest(let detail): detail
        case .invalidClient: "The client credentials are invalid"
        case .clientCredentialsMissing: "Client credentials were not found in the headers or body"
        case .invalidUserCredentials: "Invalid username and password combination"
        case .invalidAuthorizationCode: "Authorization code doesn't exist or is invalid for the client"
        case .invalidRefreshToken(let detail): detail
        case .invalidCodeVerifier(let detail): detail
        case .unauthorizedClient(let detail): detail
        case .unsupportedGrantType(let grantType): "Grant type \"\(grantType)\" not supported"
        case .invalidScope: "An unsupported scope was requested"
        case .invalidTarget(let detail): detail
        case .accessDenied: "The user denied access to your application"
        case .unsupportedResponseType(let detail): detail
        case .expiredToken: "The access token provided has expired"
        case .invalidToken: "The access token provided is invalid"
        case .insufficientScope(let scope): "The request requires higher privileges than provided by the access token (scope \"\(scope)\")"
        case .invalidRedirectURI: "No redirect URL was supplied or stored"
        case .throttled(let seconds): "Too many failed attempts; try again in \(seconds) seconds"
        case .temporarilyUnavailable: "The service is temporarily unavailable; try again shortly"
        case .serverError: "The server encountered an unexpected condition"
        }
    }
}
