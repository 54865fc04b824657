import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import PortcullisCore
import PortcullisStore

/// The caller of a protected route, once authenticated: its workspace and, for user-bound routes, the user.
struct APICaller: Sendable {
    let workspace: Workspace
    /// Loaded for user-bound routes; nil on routes that accept client-credentials tokens.
    let user: UserAccount?
    /// How the caller authenticated: a session, or a bearer token and its claims (Core's rules turn on it).
    let credential: CallerCredential

    /// The user, for routes registered as user-bound.
    var requireUser: UserAccount {
        get throws {
            guard let user else { throw APIError.forbidden("This route acts for a user; a client-credentials token has no user") }
            return user
        }
    }

    func require(_ permission: Permission) throws {
        guard try requireUser.has(permission) else { throw APIError.forbidden("This action needs the permission \(permission.rawValue)") }
    }
}

/// Registers protected routes: one bearer authenticator for all of them (the `Authorization: Bearer` header only),
/// the scope each method needs, the user for user-bound routes, and per-dialect errors.
struct ProtectedAPI {
    let portcullis: Portcullis
    let router: RouterGroup<AppRequestContext>

    typealias Handler = @Sendable (Request, AppRequestContext, APICaller) async throws -> Response

    /// `path` may hold `{workspace}` (pm3 routes); pm4 routes serve the default workspace.
    func add(_ method: HTTPRequest.Method, _ path: String, dialect: Dialect, userBound: Bool = true, _ handler: @escaping Handler) {
        let portcullis = self.portcullis
        router.on(RouterPath(path), method: method) { request, context in
            await Self.respond(portcullis: portcullis, request: request, context: context, dialect: dialect, userBound: userBound, handler: handler)
        }
        // RFC 9110 §9.3.2: HEAD is GET without the content; every GET route answers it, with the same checks.
        if method == .get {
            router.on(RouterPath(path), method: .head) { request, context in
                var response = await Self.respond(
                    portcullis: portcullis, request: request, context: context, dialect: dialect, userBound: userBound, handler: handler)
                // RFC 9110 §8.6: a Content-Length on HEAD must be GET's; replacing the body would set it to 0.
                let length = response.body.contentLength
                response.body = ResponseBody()
                response.headers[.contentLength] = length.map(String.init)
                return response
            }
        }
    }

    static func respond(
        portcullis: Portcullis, request: Request, context: AppRequestContext, dialect: Dialect, userBound: Bool, handler: Handler
    ) async -> Response {
        do {
            let workspaceName = dialect == .pm4 ? Workspace.defaultName : (context.parameters.get("workspace") ?? "")
            guard let workspace = try await portcullis.resolveWorkspace(named: workspaceName) else {
                // Seed 000: an unknown workspace is 503 with no body.
                return Response(status: .serviceUnavailable)
            }
            let caller = try await authenticate(
                portcullis: portcullis, request: request, context: context, workspace: workspace, userBound: userBound)
            return try await handler(request, context, caller)
        } catch let error as APIError {
            return APIResponses.render(error, dialect: dialect)
        } catch let denied as PermissionDenied {
            return APIResponses.render(.forbidden(denied.message), dialect: dialect)
        } catch let failure as ValidationFailure {
            return APIResponses.render(.validation(failure.errors), dialect: dialect)
        } catch {
            return APIResponses.render(.server(portcullis.oauthError(for: error, logger: context.logger)), dialect: dialect)
        }
    }

    static func authenticate(
        portcullis: Portcullis, request: Request, context: AppRequestContext, workspace: Workspace, userBound: Bool
    ) async throws -> APICaller {
        // RFC 9700 §4.3.2: never from the query string, where it would end up in logs and Referer headers.
        if request.uri.queryParameters["access_token"] != nil { throw APIError.tokenInQuery }
        // The pages' own calls: the session cookie, and the session's CSRF token in a header, which a page on
        // another site cannot read or send. The cookie alone never authenticates.
        if request.headers[.authorization] == nil, context.sessions.session != nil {
            guard let signedIn = try await portcullis.signedIn(context, in: workspace) else { throw APIError.missingToken }
            guard let sent = request.headers[.csrfToken], ConstantTime.equals(sent, signedIn.session.csrfToken) else {
                throw APIError.forbidden("Send the page's CSRF token in the X-CSRF-TOKEN header")
            }
            return APICaller(workspace: workspace, user: signedIn.user, credential: .session)
        }
        guard let token = bearerToken(request.headers[.authorization]) else { throw APIError.missingToken }
        let access: AccessKind = (request.method == .get || request.method == .head) ? .read : .write
        let principal: Principal
        do {
            principal = try portcullis.authorizationServer.authenticateBearer(token, for: workspace, access: access)
        } catch .insufficientScope(let scope) {
            throw APIError.insufficientScope(scope)
        } catch {
            throw APIError.invalidToken(error)
        }
        if let patID = principal.claims.personalTokenID.flatMap({ Int($0) }) {
            portcullis.tokenUsage.touch(patID, at: portcullis.clock.now())
        }
        var user: UserAccount?
        if userBound {
            guard let userID = principal.userID else {
                throw APIError.forbidden("This route acts for a user; a client-credentials token has no user")
            }
            // A deleted or deactivated user's tokens are revoked too; this read closes the gap until the mirror sees it.
            guard let found = try await portcullis.store.users.user(id: userID), found.isActive, found.workspaceID == workspace.id else {
                throw APIError.invalidToken(.invalidToken)
            }
            user = found
        }
        return APICaller(workspace: workspace, user: user, credential: .accessToken(principal.claims))
    }

    /// RFC 6750 §2.1: `Authorization: Bearer <token>`, the scheme case-insensitive.
    static func bearerToken(_ header: String?) -> String? {
        // RFC 6750 §2.1; the scheme is case-insensitive (RFC 9110 §11.1). Over bytes: the token is hundreds long.
        guard let header else { return nil }
        let bytes = header.utf8
        guard bytes.count > 7, String(decoding: bytes.prefix(7), as: UTF8.self).lowercased() == "bearer " else { return nil }
        let token = Substring(bytes.dropFirst(7)).trimmingHTTPWhitespace()
        return token.isEmpty ? nil : token
    }
}

extension HTTPField.Name {
    /// Laravel's header name for the CSRF token of a page's own requests.
    static let csrfToken = HTTPField.Name("X-CSRF-TOKEN")!
}
