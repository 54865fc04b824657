import Hummingbird
import HummingbirdAuth
import NIOCore

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
}

/// The request context of every route: Hummingbird's core storage, the peer address (for throttling) and the
/// session middleware's storage.
public struct AppRequestContext: RequestContext, SessionRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer, without the port; nil when unknown (in-process tests).
    public let remoteAddress: String?
    public let sessions: SessionContext<WebSession>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.sessions = .init()
    }

    /// OAuth requests are small; anything larger is refused before it is parsed.
    public var maxUploadSize: Int { RequestParameters.maximumBodySize }
}
