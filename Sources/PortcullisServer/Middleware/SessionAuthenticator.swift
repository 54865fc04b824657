import Hummingbird
import HummingbirdAuth
import PortcullisCore

/// Finds the signed-in user of a page request from its session (Core's `sessionState` decides whether the session
/// still holds). Reads the database only when a session cookie was sent.
struct SessionAuthenticator: RouterMiddleware {
    typealias Context = WorkspaceRequestContext
    let portcullis: Portcullis

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.signedIn = try await portcullis.signedIn(context.sessions, in: context.workspace)
        return try await next(request, context)
    }
}

/// Pages only a signed-in user sees: anyone else goes to the dialect's login page, and comes back here after it
/// (a GET to the same address, a POST to `fallback`, a pattern of the dialect).
struct SignedInRequired: RouterMiddleware {
    typealias Context = WorkspaceRequestContext
    let portcullis: Portcullis
    let fallback: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.signedIn == nil else { return try await next(request, context) }
        let dialect = context.dialect
        let back = request.method == .get ? request.pathAndQuery : dialect.concrete(fallback, workspace: context.workspace, context.parameters)
        return Views.seeOther(
            dialect.signInLocation(
                returningTo: back, workspace: context.workspace, context.parameters, issuer: portcullis.configuration.resolvedIssuer))
    }
}

/// A page form's POST: its fields read once, and the session's CSRF token checked, before any handler runs.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = PageRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        let fields: [String: String]
        do {
            fields = try await RequestParameters.parse(request)
        } catch {
            throw PageRefusal.unreadableForm(error.description)
        }
        guard CSRF.matches(fields["csrf"], context.session) else { throw PageRefusal.formExpired }
        var context = context
        context.form = fields
        return try await next(request, context)
    }
}

/// The session's CSRF token (DESIGN.md): in a form's `csrf` field, or the pages' own API calls' X-CSRF-TOKEN header.
enum CSRF {
    static func matches(_ sent: String?, _ session: WebSession) -> Bool {
        guard let sent else { return false }
        return ConstantTime.equals(sent, session.csrfToken)
    }
}

/// What a page refuses before any rule is asked.
enum PageRefusal: Error {
    /// The form's body could not be parsed.
    case unreadableForm(String)
    /// The form's CSRF token is missing or not this session's.
    case formExpired
}

extension Portcullis {
    /// The session's user, if the session belongs to `workspace` and still holds (Core's rule); an ended session is
    /// cleared. Slides the idle expiry, writing at most once a minute.
    func signedIn(_ sessions: SessionContext<WebSession>, in workspace: Workspace) async throws -> SignedIn? {
        guard let session = sessions.session else { return nil }
        switch try await authorizationServer.sessionState(session.claim, in: workspace, lifetime: configuration.sessionLifetime) {
        case .otherWorkspace:
            return nil
        case .ended:
            sessions.clearSession()
            return nil
        case .active(let user):
            let idle = configuration.sessionIdleTimeout
            sessions.withLockedSession { data in
                if let ttl = data?.expiresIn, ttl < .seconds(idle - 60) { data?.expiresIn = .seconds(idle) }
            }
            return SignedIn(user: user, session: session, workspace: workspace)
        }
    }
}
