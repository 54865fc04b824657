import Hummingbird
import HummingbirdAuth
import PortcullisCore

/// Authenticates the caller of a protected API route: a bearer token (RFC 6750 §2.1, the Authorization header only),
/// or the pages' own calls (the session cookie plus the session's CSRF token in X-CSRF-TOKEN, which a page on another
/// site cannot read or send; the cookie alone never authenticates). Core checks the token, the scope the method
/// needs, and that the user is still active here (`authenticateUser`, `sessionState`).
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = WorkspaceRequestContext
    let portcullis: Portcullis

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.caller = try await authenticate(request, context)
        return try await next(request, context)
    }

    private func authenticate(_ request: Request, _ context: Context) async throws -> AuthenticatedCaller {
        // RFC 9700 §4.3.2: never from the query string, where it would end up in logs and Referer headers.
        if request.uri.queryParameters["access_token"] != nil { throw APIError.tokenInQuery }
        if request.headers[.authorization] == nil, context.sessions.session != nil {
            guard let signedIn = try await portcullis.signedIn(context.sessions, in: context.workspace) else { throw APIError.missingToken }
            guard CSRF.matches(request.headers[.csrfToken], signedIn.session) else {
                throw PermissionDenied("Send the page's CSRF token in the X-CSRF-TOKEN header")
            }
            return AuthenticatedCaller(workspace: context.workspace, user: signedIn.user, credential: .session)
        }
        guard let token = Self.bearerToken(request.headers[.authorization]) else { throw APIError.missingToken }
        let access: AccessKind = (request.method == .get || request.method == .head) ? .read : .write
        let caller: AuthenticatedCaller
        do {
            caller = try await portcullis.authorizationServer.authenticateUser(bearer: token, for: context.workspace, access: access)
        } catch OAuthError.insufficientScope(let scope) {
            throw APIError.insufficientScope(scope)
        } catch let error as OAuthError where error == .invalidToken || error == .expiredToken {
            throw APIError.invalidToken(error)
        }
        if let patID = caller.credential.personalToken?.personalTokenID.flatMap({ Int($0) }) {
            portcullis.tokenUsage.touch(patID, at: portcullis.clock.now())
        }
        return caller
    }

    /// RFC 6750 §2.1: `Authorization: Bearer <token>`, the scheme case-insensitive (RFC 9110 §11.1). Over bytes: the
    /// token is hundreds long.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let bytes = header.utf8
        guard bytes.count > 7, String(decoding: bytes.prefix(7), as: UTF8.self).lowercased() == "bearer " else { return nil }
        let token = Substring(bytes.dropFirst(7)).trimmingHTTPWhitespace()
        return token.isEmpty ? nil : token
    }
}

/// A route declares what its caller needs (`.requiring(.permission(.viewUsers))`); Core's `Requirement` decides.
struct RequirementMiddleware<Context: UserRequestContext>: RouterMiddleware {
    let requirement: Requirement

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try requirement.check(context.user)
        return try await next(request, context)
    }
}

extension RouterMethods where Context: UserRequestContext {
    /// The routes added to the returned group need `requirement` of their caller.
    func requiring(_ requirement: Requirement) -> RouterGroup<Context> {
        group().add(middleware: RequirementMiddleware<Context>(requirement: requirement))
    }
}

extension RouterMethods where Context == APIRequestContext {
    /// A GET route and its HEAD (RFC 9110 §9.3.2), with the same checks; `HeadMiddleware` drops the content.
    @discardableResult
    func getAndHead(_ path: String, use handler: @escaping @Sendable (Request, Context) async throws -> Response) -> Self {
        get(RouterPath(path), use: handler)
        on(RouterPath(path), method: .head, use: handler)
        return self
    }
}
