import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// Everything a protected API route can answer besides success. Rendered per dialect in one place.
enum APIError: Error {
    /// No bearer token at all (RFC 6750 §3.1: no error code then).
    case missingToken
    /// The token is expired, malformed, wrongly signed, revoked or for another workspace.
    case invalidToken(OAuthError)
    /// A token in the query string: refused (RFC 9700 §2.5 / RFC 6750 §2.3 is not supported).
    case tokenInQuery
    /// The token's scopes do not cover the route.
    case insufficientScope(String)
    case forbidden(String)
    case notFound(String)
    case methodNotAllowed(allowed: [HTTPRequest.Method])
    case validation([(field: String, messages: [String])])
    case badRequest(String)
    /// What no route handled: the database unreachable (503, `Retry-After`) or a server error (500).
    case server(OAuthError)
}

enum APIResponses {
    static let realm = "portcullis"

    static func render(_ error: APIError, dialect: Dialect) -> Response {
        var headers: HTTPFields = [:]
        let status: HTTPResponse.Status
        let detail: String
        switch error {
        case .missingToken:
            status = .unauthorized
            detail = "An access token is required"
            headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\""
        case .invalidToken(let oauth):
            status = .unauthorized
            detail = oauth.description
            headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\", error=\"invalid_token\", error_description=\"\(oauth.description)\""
        case .tokenInQuery:
            status = .badRequest
            detail = "Send the access token in the Authorization header; tokens in the query string are refused"
            headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\", error=\"invalid_request\", error_description=\"\(detail)\""
        case .insufficientScope(let scope):
            status = .forbidden
            detail = "This action needs the scope \(scope)"
            headers[.wwwAuthenticate] =
                "Bearer realm=\"\(realm)\", error=\"insufficient_scope\", error_description=\"\(detail)\", scope=\"\(scope)\""
        case .forbidden(let message):
            status = .forbidden
            detail = message
        case .notFound(let message):
            status = .notFound
            detail = message
        case .methodNotAllowed(let allowed):
            status = .methodNotAllowed
            detail = "Use \(allowed.map(\.rawValue).joined(separator: ", ")) on this address"
            headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        case .validation(let errors):
            let fields = Dictionary(errors.map { ($0.field, $0.messages) }, uniquingKeysWith: +)
            if dialect == .pm4 {
                return Responses.json(ValidationErrorResponse(errors: fields), status: .unprocessableContent, headers: headers)
            }
            status = .badRequest
            detail = errors.map { "\($0.field): \($0.messages.joined(separator: " "))" }.joined(separator: "; ")
        case .badRequest(let message):
            status = .badRequest
            detail = message
        case .server(let oauth):
            status = oauth.httpStatus
            detail = oauth.description
            if oauth == .temporarilyUnavailable { headers[.retryAfter] = "5" }
            // A throttled current password (the sign-in throttle) says when to try again, as the token endpoint does.
            if case .throttled(let seconds) = oauth { headers[.retryAfter] = String(seconds) }
        }
        switch dialect {
        case .pm4:
            let body: [String: String]
            switch error {
            case .missingToken, .invalidToken:
                // DESIGN.md's pm4 401 body, as Laravel's `auth:api` guard words it.
                body = ["error": "Unauthenticated.", "message": detail]
            case .insufficientScope(let scope):
                body = ["error": "insufficient_scope", "message": detail, "scope": scope]
            default:
                body = ["error": status.reasonPhrase, "message": detail]
            }
            return Responses.json(body, status: status, headers: headers)
        case .pm3:
            // ProcessMaker 3 (Restler): {"error": {"code": 401, "message": "Unauthorized"}}.
            let message = status == .unauthorized ? "Unauthorized" : "\(status.reasonPhrase): \(detail)"
            return Responses.json(PM3Error(error: .init(code: status.code, message: message)), status: status, headers: headers)
        }
    }

    struct PM3Error: Encodable {
        struct Detail: Encodable {
            let code: Int
            let message: String
        }
        let error: Detail
    }

    /// ISO 8601 in UTC, as ProcessMaker 4's API writes dates.
    static func date(_ seconds: Int64) -> String { Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601) }

    static func pm4(_ user: UserAccount) -> UserResource {
        UserResource(
            id: user.id, uid: user.uid, username: user.username, email: user.email, firstname: user.firstName, lastname: user.lastName,
            status: user.isActive ? "ACTIVE" : "INACTIVE", isAdministrator: user.isSuperAdmin, createdAt: date(user.createdAt),
            updatedAt: date(user.updatedAt))
    }

    static func pm3(_ user: UserAccount) -> PM3UserResource {
        PM3UserResource(
            usrUID: user.uid, usrUsername: user.username, usrFirstname: user.firstName, usrLastname: user.lastName,
            usrEmail: user.email ?? "", usrStatus: user.isActive ? "ACTIVE" : "INACTIVE", usrCreateDate: date(user.createdAt),
            usrUpdateDate: date(user.updatedAt))
    }
}
