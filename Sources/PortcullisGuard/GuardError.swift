/// Why a request was refused. Each case knows its HTTP status and the RFC 6750 §3 error code; the guard builds the
/// `WWW-Authenticate` value (`PortcullisGuard.wwwAuthenticate(for:)`).
public enum GuardError: Error, Sendable, Equatable, Hashable {
    /// No `Authorization` header, or one with another scheme (RFC 6750 §3.1: a request without Bearer credentials gets
    /// a challenge with no error code).
    case missingToken
    /// `Bearer` with something that is not one token (RFC 6750 §2.1 `b64token`): 400 `invalid_request`.
    case invalidRequest(String)
    /// The token is malformed, expired, revoked, signed by an unknown key, for another audience, … (401 `invalid_token`).
    case invalidToken(String)
    /// The token is good but lacks scopes the route needs (403 `insufficient_scope`, RFC 6750 §3.1).
    case insufficientScope(required: Set<String>)
    /// The guard cannot decide: no signing key was ever loaded, or introspection is on and the server did not answer.
    case unavailable(String)

    /// The HTTP status to answer with.
    public var status: Int {
        switch self {
        case .missingToken, .invalidToken: 401
        case .invalidRequest: 400
        case .insufficientScope: 403
        case .unavailable: 503
        }
    }

    /// The RFC 6750 §3.1 error code, nil when there is none to give.
    public var errorCode: String? {
        switch self {
        case .missingToken: nil
        case .invalidRequest: "invalid_request"
        case .invalidToken: "invalid_token"
        case .insufficientScope: "insufficient_scope"
        case .unavailable: "temporarily_unavailable"
        }
    }

    /// A short human-readable explanation; written by the guard, never copied from the request.
    public var errorDescription: String {
        switch self {
        case .missingToken: "a bearer access token is required"
        case .invalidRequest(let reason), .invalidToken(let reason), .unavailable(let reason): reason
        case .insufficientScope(let required): "the token lacks a required scope: " + required.sorted().joined(separator: " ")
        }
    }
}

/// Builds RFC 6750 §3 challenges. Every quoted value keeps only the characters RFC 6750 §3 allows in `error_description`
/// (%x20-21 / %x23-5B / %x5D-7E): no quote, backslash, CR or LF can reach the header whatever a caller passes.
enum Challenge {
    static func bearer(_ error: GuardError, realm: String, resourceMetadata: String) -> String? {
        var parameters = ["realm=\"\(quotable(realm))\""]
        switch error {
        case .unavailable:
            return nil
        case .missingToken:
            break
        case .invalidRequest, .invalidToken:
            if let code = error.errorCode { parameters.append("error=\"\(code)\"") }
            parameters.append("error_description=\"\(quotable(error.errorDescription))\"")
        case .insufficientScope(let required):
            parameters.append("error=\"insufficient_scope\"")
            parameters.append("error_description=\"\(quotable(error.errorDescription))\"")
            // RFC 6750 §3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-separated.
            let scopes = required.sorted().map(scopeToken).filter { !$0.isEmpty }
            parameters.append("scope=\"\(scopes.joined(separator: " "))\"")
        }
        // RFC 9728 §5.1: tell the client where this resource's metadata is.
        parameters.append("resource_metadata=\"\(quotable(resourceMetadata))\"")
        return "Bearer " + parameters.joined(separator: ", ")
    }

    static func quotable(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { isDescriptionChar($0.value) }))
    }

    static func scopeToken(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value != 0x20 && isDescriptionChar($0.value) }))
    }

    private static func isDescriptionChar(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x21 || (0x23...0x5B).contains(v) || (0x5D...0x7E).contains(v)
    }
}
