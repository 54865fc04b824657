public import Hummingbird
public import HummingbirdAuth
import NIOCore
import PortcullisCore

/// A signed-in browser: made at sign-in only (anonymous visitors cost no database write), bound to one
/// workspace, carrying the CSRF token of every form and the user's token version (a password change ends it).
public struct WebSession: Codable, Sendable {
    public var userID: Int
    public var workspaceID: Int
    public var csrfToken: String
    public var tokenVersion: Int
    public var signedInAt: Int64
    /// A one-line notice for the next page ("Saved.").
    public var notice: String?
    /// A secret waiting to be shown once, sealed (AES-GCM under the server key) so the sessions table never holds
    /// it in the clear; removed when shown.
    public var pendingSecret: PendingSecret?

    public struct PendingSecret: Codable, Sendable {
        public var clientID: String
        public var sealed: String
    }

    var claim: SessionClaim { SessionClaim(userID: userID, workspaceID: workspaceID, tokenVersion: tokenVersion, signedInAt: signedInAt) }
}

/// The signed-in user of a page request.
struct SignedIn: Sendable {
    let user: UserAccount
    let session: WebSession
    let workspace: Workspace
}

/// The request context every route starts with: Hummingbird's core storage, the peer address (for throttling), the
/// session middleware's storage. The middleware of a route's group fills in the rest, and the group hands its
/// handlers a context in which what they need is not optional:
///
///     AppRequestContext ── WorkspaceMiddleware(dialect) ──▶ WorkspaceRequestContext (workspace, dialect)
///         ── BearerAuthenticator ──▶ APIRequestContext (caller: the user, how they proved it)
///         ── SessionAuthenticator, SignedInRequired ──▶ PageRequestContext (the signed-in user)
public struct AppRequestContext: RequestContext, SessionRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer, without the port; nil when unknown (in-process tests).
    public let remoteAddress: String?
    public let sessions: SessionContext<WebSession>
    /// Set by `WorkspaceMiddleware`.
    var workspace: Workspace?
    var dialect: any Dialect = PM4Dialect()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.sessions = .init()
    }

    /// OAuth requests are small; anything larger is refused before it is parsed.
    public var maxUploadSize: Int { RequestParameters.maximumBodySize }
}

/// What every context below the root carries, for the middleware that serves them all (errors, sessions).
protocol PortcullisRequestContext: RequestContext {
    var remoteAddress: String? { get }
    var sessions: SessionContext<WebSession> { get }
    var dialect: any Dialect { get }
    /// The signed-in user, where the route knows one: error pages then keep the menu.
    var signedIn: SignedIn? { get }
}

extension AppRequestContext: PortcullisRequestContext {
    var signedIn: SignedIn? { nil }
}

/// A route of one workspace in one dialect: the token endpoints, the login and authorization pages.
struct WorkspaceRequestContext: ChildRequestContext, PortcullisRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: String?
    let sessions: SessionContext<WebSession>
    let dialect: any Dialect
    let workspace: Workspace
    /// Set by `SessionAuthenticator` on the page routes: the session's user, if one is signed in here.
    var signedIn: SignedIn?
    /// Set by `BearerAuthenticator` on the API routes.
    var caller: AuthenticatedCaller?

    init(context: AppRequestContext) throws {
        guard let workspace = context.workspace else { throw RoutingError.missing("workspace") }
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.sessions = context.sessions
        self.dialect = context.dialect
        self.workspace = workspace
    }

    var maxUploadSize: Int { RequestParameters.maximumBodySize }
}

/// A protected API route: the caller is a user of this workspace, authenticated by a bearer token or by the pages'
/// own session with its CSRF header.
struct APIRequestContext: ChildRequestContext, PortcullisRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: String?
    let sessions: SessionContext<WebSession>
    let dialect: any Dialect
    let caller: AuthenticatedCaller

    init(context: WorkspaceRequestContext) throws {
        guard let caller = context.caller else { throw RoutingError.missing("caller") }
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.sessions = context.sessions
        self.dialect = context.dialect
        self.caller = caller
    }

    var workspace: Workspace { caller.workspace }
    var user: UserAccount { caller.user }
    var signedIn: SignedIn? { nil }
    var maxUploadSize: Int { RequestParameters.maximumBodySize }
}

/// A page only a signed-in user sees. A POST's form fields were read once and their CSRF token checked
/// (`CSRFMiddleware`).
struct PageRequestContext: ChildRequestContext, PortcullisRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: String?
    let sessions: SessionContext<WebSession>
    let dialect: any Dialect
    let signedInUser: SignedIn
    /// A POST's form fields, after the CSRF check.
    var form: [String: String] = [:]

    init(context: WorkspaceRequestContext) throws {
        guard let signedIn = context.signedIn else { throw RoutingError.missing("signed-in user") }
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.sessions = context.sessions
        self.dialect = context.dialect
        self.signedInUser = signedIn
    }

    var workspace: Workspace { signedInUser.workspace }
    var user: UserAccount { signedInUser.user }
    var session: WebSession { signedInUser.session }
    var signedIn: SignedIn? { signedInUser }
    var maxUploadSize: Int { RequestParameters.maximumBodySize }
}

/// A context whose caller is a user: what `RequirementMiddleware` checks.
protocol UserRequestContext: PortcullisRequestContext {
    var user: UserAccount { get }
}

extension APIRequestContext: UserRequestContext {}
extension PageRequestContext: UserRequestContext {}

/// A route registered below the middleware that fills its context in: a wiring mistake, answered 500.
enum RoutingError: Error, CustomStringConvertible {
    case missing(String)
    var description: String {
        switch self {
        case .missing(let what): "the route's middleware did not provide the \(what)"
        }
    }
}
