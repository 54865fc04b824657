/// Who a protected route acts for, once Core has checked the credential: the user, never optional, and how they
/// proved it.
public struct AuthenticatedCaller: Sendable {
    public let workspace: Workspace
    public let user: UserAccount
    /// A session, or a bearer token and its claims (the personal-token rules turn on it).
    public let credential: CallerCredential

    public init(workspace: Workspace, user: UserAccount, credential: CallerCredential) {
        self.workspace = workspace
        self.user = user
        self.credential = credential
    }
}

/// A browser session as Core judges it: who signed in where, when, at which token version.
public struct SessionClaim: Sendable {
    public let userID: Int
    public let workspaceID: Int
    public let tokenVersion: Int
    public let signedInAt: Int64

    public init(userID: Int, workspaceID: Int, tokenVersion: Int, signedInAt: Int64) {
        self.userID = userID
        self.workspaceID = workspaceID
        self.tokenVersion = tokenVersion
        self.signedInAt = signedInAt
    }
}

extension AuthorizationServer {
    /// The user a bearer token acts for (RFC 6750 §3.1). The token is checked without a database read
    /// (`authenticateBearer`); then the one rule every user-bound route shares: the user still exists, is active and
    /// belongs to this workspace. A deleted or deactivated user's tokens are revoked too; this read closes the gap
    /// until the mirror sees the revocation. A client-credentials token acts for no user: `PermissionDenied`.
    public func authenticateUser(bearer token: String, for workspace: Workspace, access: AccessKind) async throws -> AuthenticatedCaller {
        let principal = try authenticateBearer(token, for: workspace, access: access)
        guard let userID = principal.userID else {
            throw PermissionDenied("This route acts for a user; a client-credentials token has no user")
        }
        guard let user = try await users.user(id: userID), user.isActive, user.workspaceID == workspace.id else {
            throw OAuthError.invalidToken
        }
        return AuthenticatedCaller(workspace: workspace, user: user, credential: .accessToken(principal.claims))
    }

    /// Where a browser session stands for a request to `workspace`.
    public enum SessionState: Sendable {
        /// Signed in, as this user.
        case active(UserAccount)
        /// Signed in to another workspace: not here, but the session lives on.
        case otherWorkspace
        /// Over: older than its lifetime (however active, a session ends that long after sign-in), or the user is
        /// gone, inactive, or at another token version (a password change or deactivation ends every session).
        case ended
    }

    /// The one rule for sessions, for the pages and for the pages' own API calls.
    public func sessionState(_ session: SessionClaim, in workspace: Workspace, lifetime: Int64) async throws -> SessionState {
        guard session.workspaceID == workspace.id else { return .otherWorkspace }
        guard session.signedInAt + lifetime > clock.now() else { return .ended }
        guard let user = try await users.user(id: session.userID), user.isActive, user.tokenVersion == session.tokenVersion,
            user.workspaceID == workspace.id
        else { return .ended }
        return .active(user)
    }
}
