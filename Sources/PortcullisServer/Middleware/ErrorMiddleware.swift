import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PortcullisCore
import PortcullisStore

/// Where an error is answered: the OAuth endpoints (RFC 6749 §5.2 bodies), the REST API (RFC 6750 §3 and the
/// dialect's error body), or the pages (an HTML page, or for the authorization endpoint a redirect to the client).
enum ErrorSurface: Sendable {
    case oauth, api, page
}

/// The one error path: a route's handler and middleware throw what failed (Core's `OAuthError`, `PermissionDenied`,
/// `ValidationFailure`, `ResourceNotFound`, `AuthorizationRejection`; the server's `APIError`, `PageRefusal`), and
/// this middleware turns (error, surface, dialect) into status, headers and body, via `ErrorRendering`. Nothing else
/// decides a status code for a failure.
struct ErrorMiddleware<Context: PortcullisRequestContext>: RouterMiddleware {
    let portcullis: Portcullis
    let surface: ErrorSurface
    /// The group's dialect: the error middleware sits outside the workspace middleware, which would set it.
    let dialect: any Dialect

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            return ErrorRendering(portcullis: portcullis, logger: context.logger).response(
                for: error, surface: surface, dialect: dialect, request: request, signedIn: context.signedIn)
        }
    }
}

/// What no route matched, and anything thrown outside a dialect's group: under `/api/` and `/oauth/` (the clients
/// API, the token endpoints) JSON (404 or 405 with `Allow`) in the dialect the path belongs to; elsewhere an unexpected error becomes a page for a browser and an
/// OAuth error body for anyone else.
struct FallbackMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let portcullis: Portcullis
    let catalog: RouteCatalog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The router ignores empty path segments, so "//login" would reach /login; any page that echoed its own
        // path would then point at the host "login". No such path is ever ours.
        if request.uri.path.contains("//") { return Response(status: .notFound) }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && Self.answersJSON(request.uri.path) {
            let dialect = await Dialects.forUnmatched(request.uri.path) { name in
                (try? await portcullis.resolveWorkspace(named: name)) != nil
            }
            let allowed = catalog.methods(matching: request.uri.path)
            let failure: APIError =
                allowed.isEmpty ? .notFound("There is no \(request.method.rawValue) \(request.uri.path.prefix(200))") : .methodNotAllowed(allowed: allowed)
            return ErrorRendering(portcullis: portcullis, logger: context.logger).api(failure, dialect: dialect)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            return ErrorRendering(portcullis: portcullis, logger: context.logger).response(
                for: error, surface: .page, dialect: context.dialect, request: request, signedIn: nil)
        }
    }
}

extension FallbackMiddleware {
    static func answersJSON(_ path: String) -> Bool { path.hasPrefix("/api/") || path.hasPrefix("/oauth/") }
}

/// RFC 9110 §9.3.2: a HEAD answer is the GET answer without its content, and its Content-Length is GET's (§8.6);
/// replacing the body would set it to 0. Outermost, so error answers lose their body too.
struct HeadMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        var response = try await next(request, context)
        let length = response.body.contentLength
        response.body = ResponseBody()
        if let length { response.headers[.contentLength] = String(length) }
        return response
    }
}

/// Everything a protected API route can answer besides success that Core has no word for.
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
    case badRequest(String)
    /// What no route handled: the database unreachable (503, `Retry-After`) or a server error (500).
    case server(OAuthError)
}

/// Maps a failure to a response: the one table of statuses, headers and bodies.
struct ErrorRendering {
    let portcullis: Portcullis
    let logger: Logger
    static let realm = "portcullis"

    func response(for error: any Error, surface: ErrorSurface, dialect: any Dialect, request: Request, signedIn: SignedIn?) -> Response {
        switch surface {
        case .oauth: oauth(oauthError(for: error), dialect: dialect, request: request)
        case .api: api(error, dialect: dialect)
        case .page: page(error, signedIn: signedIn, request: request, dialect: dialect)
        }
    }

    /// Any error as what a client may see of it; unexpected ones are logged (type and description only) and become
    /// a bare `server_error`.
    func oauthError(for error: any Error) -> OAuthError {
        switch error {
        case let error as OAuthError: return error
        case let error as ValidationFailure: return .invalidRequest(error.description)
        case RepositoryError.unavailable: return .temporarilyUnavailable
        case let error where Store.isUnavailable(error):
            logger.warning("the database is unreachable; answering 503", metadata: ["error": "\(Store.summary(of: error))"])
            return .temporarilyUnavailable
        default:
            logger.error("request failed", metadata: ["error": "\(String(describing: type(of: error))): \(error)"])
            return .serverError
        }
    }

    /// The status of an OAuth error (RFC 6749 §5.2, RFC 6750 §3.1), named: one made from a bare code has an empty
    /// reason phrase, which API bodies show.
    static func status(_ error: OAuthError) -> HTTPResponse.Status {
        switch error {
        case .invalidClient, .clientCredentialsMissing, .expiredToken, .invalidToken: .unauthorized
        case .insufficientScope: .forbidden
        case .throttled: .tooManyRequests
        case .temporarilyUnavailable: .serviceUnavailable
        case .serverError: .internalServerError
        default: .badRequest
        }
    }

    // MARK: The OAuth endpoints

    func oauth(_ error: OAuthError, dialect: any Dialect, request: Request) -> Response {
        var headers = Responses.noStore
        if case .invalidClient = error, BasicAuthorization.attempted(request.headers[.authorization]) {
            // RFC 6749 §5.2: a failed Basic authentication answers 401 with the scheme it expects.
            headers[.wwwAuthenticate] = "Basic realm=\"\(Self.realm)\""
        }
        if case .throttled(let seconds) = error { headers[.retryAfter] = String(seconds) }
        if case .temporarilyUnavailable = error { headers[.retryAfter] = "5" }
        let status = dialect.suppressesResponseCodes(request) ? .ok : Self.status(error)
        return Responses.json(dialect.oauthErrorBody(error), status: status, headers: headers)
    }

    // MARK: The API

    func api(_ error: any Error, dialect: any Dialect) -> Response {
        switch error {
        case let error as APIError: return api(error, dialect: dialect)
        case let denied as PermissionDenied: return api(APIError.forbidden(denied.message), dialect: dialect)
        case let missing as ResourceNotFound: return api(APIError.notFound(missing.message), dialect: dialect)
        case let failure as ValidationFailure: return dialect.validationError(failure.errors)
        default: return api(APIError.server(oauthError(for: error)), dialect: dialect)
        }
    }

    func api(_ error: APIError, dialect: any Dialect) -> Response {
        var headers: HTTPFields = [:]
        let status: HTTPResponse.Status
        let detail: String
        let realm = Self.realm
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
        case .badRequest(let message):
            status = .badRequest
            detail = message
        case .server(let oauth):
            status = Self.status(oauth)
            detail = oauth.description
            if oauth == .temporarilyUnavailable { headers[.retryAfter] = "5" }
            // A throttled current password (the sign-in throttle) says when to try again, as the token endpoint does.
            if case .throttled(let seconds) = oauth { headers[.retryAfter] = String(seconds) }
        }
        return dialect.apiError(error, status: status, detail: detail, headers: headers)
    }

    // MARK: The pages

    /// A failure no page rule names (the database away, a server error) is a page for a browser and the OAuth error
    /// body for a script, which asked for no HTML.
    func page(_ error: any Error, signedIn: SignedIn?, request: Request, dialect: any Dialect) -> Response {
        let views = portcullis.views
        let layout = signedIn.map(portcullis.layoutContext) ?? [:]
        switch error {
        case let denied as PermissionDenied:
            return views.error("You may not do this", denied.message, status: .forbidden, base: layout)
        case let missing as ResourceNotFound:
            return views.error("Not found", missing.message, status: .notFound, base: layout)
        case PageRefusal.formExpired:
            return views.error("This form has expired", "Go back, reload the page and try again.", status: .forbidden, base: layout)
        case PageRefusal.unreadableForm(let detail):
            return views.error("This form cannot be read", detail, status: .badRequest, base: layout)
        case AuthorizationRejection.showError(let oauth):
            return views.error("This application cannot sign you in", oauth.description, code: oauth.code, status: .badRequest)
        case AuthorizationRejection.redirect(let uri, let oauth, let state, let fragment):
            return Views.seeOther(
                AuthorizationRedirect.error(oauth, to: uri, state: state, fragment: fragment, issuer: portcullis.configuration.resolvedIssuer))
        default:
            let oauth = oauthError(for: error)
            if request.headers[.accept]?.contains("text/html") != true { return self.oauth(oauth, dialect: dialect, request: request) }
            let unavailable = oauth == .temporarilyUnavailable
            var response = views.error(
                unavailable ? "Back in a moment" : "Something went wrong", oauth.description, code: oauth.code, status: Self.status(oauth),
                base: layout)
            if unavailable { response.headers[.retryAfter] = "5" }
            return response
        }
    }
}
