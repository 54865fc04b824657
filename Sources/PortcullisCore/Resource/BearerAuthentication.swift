/// Who is calling a protected route with a bearer token.
public struct Principal: Sendable {
    public let workspace: Workspace
    /// The user acted for; nil for client-credentials tokens.
    public let userID: Int?
    public let scopes: ScopeSet
    /// The token's claims.
    public let claims: AccessTokenClaims

    public init(claims: AccessTokenClaims, workspace: Workspace) {
        self.workspace = workspace
        self.userID = claims.userID
        self.scopes = claims.scopeSet
        self.claims = claims
    }
}

/// What a protected route does, for the scope it needs (ProcessMaker's scopes, seed 000).
public enum AccessKind: Sendable {
    /// GET and HEAD: `view_processes` (or `edit_processes`, or `*`).
    case read
    /// Anything that changes data: `edit_processes` (or `*`).
    case write

    public var requiredScope: Scope { self == .read ? .viewProcesses : .editProcesses }
}

extension AuthorizationServer {
    /// Checks a bearer token for a route of `workspace` (RFC 6750 §3.1): signature, issuer, dates, audience and
    /// revocation, all without a database read; then the scope the route needs.
    public func authenticateBearer(_ token: String, for workspace: Workspace, access: AccessKind) throws(OAuthError) -> Principal {
        let claims = try codec.verify(token, now: clock.now())
        // A token is for one workspace's API: one issued for another, or only for another API (RFC 8707), is as good
        // as unknown here.
        guard claims.audience.contains(codec.audience(for: workspace)), claims.workspace.map({ $0 == workspace.name }) ?? true,
            !revocationList.isRevoked(claims)
        else {
            throw .invalidToken
        }
        let principal = Principal(claims: claims, workspace: workspace)
        guard principal.scopes.allows(access.requiredScope) else { throw .insufficientScope(access.requiredScope.rawValue) }
        return principal
    }
}

/// How the caller of a protected route proved who it is. Rules that depend on it (who may mint personal access
/// tokens) ask this, never the route.
public enum CallerCredential: Sendable {
    /// A signed-in browser session: the pages' own API calls, with the session's CSRF token in a header.
    case session
    /// A bearer access token, with its verified claims.
    case accessToken(AccessTokenClaims)

    /// The claims of a personal access token, when the caller used one.
    public var personalToken: AccessTokenClaims? {
        guard case .accessToken(let claims) = self, claims.personalTokenID != nil else { return nil }
        return claims
    }

    /// First-party: the user in person (a session) or a token the user made for themselves (a personal token).
    /// An application's token, even one the user consented to, is not: it acts for the user only within its scope.
    public var isFirstParty: Bool {
        switch self {
        case .session: true
        case .accessToken(let claims): claims.personalTokenID != nil
        }
    }
}

extension AuthorizationServer {
    /// The check behind an API that cannot check tokens itself (nginx's `auth_request`, issue 15): the token must be
    /// for `resourceURI`, a registered resource server of the workspace (RFC 8707 §2, RFC 9068 §4: `aud` holds it),
    /// live, unrevoked, and carry every scope in `required` (RFC 6750 §3.1 `insufficient_scope` otherwise). No
    /// database read.
    public func checkResourceToken(_ token: String, resource resourceURI: String, requiring required: [Scope], in workspace: Workspace)
        throws(OAuthError) -> AccessTokenClaims
    {
        guard resources.server(uri: resourceURI, in: workspace.id) != nil else {
            throw .invalidRequest("X-Portcullis-Resource is not a registered resource server of this workspace")
        }
        let claims = try codec.verify(token, now: clock.now())
        guard claims.workspace == workspace.name, claims.audience.contains(where: { RedirectURIPolicy.sameBytes($0, resourceURI) }),
            !revocationList.isRevoked(claims)
        else { throw .invalidToken }
        let held = claims.scopeSet
        guard required.allSatisfy(held.allows) else { throw .insufficientScope(required.map(\.rawValue).joined(separator: " ")) }
        return claims
    }

    /// The revocation feed for resource servers (issue 15): every revocation in force, or those recorded since a
    /// little before `since` (a row that commits late is still seen; a row may come twice). The caller is a resource
    /// server (`authenticateResourceServer`); the answer names its workspace, whose tokens alone its guard accepts.
    /// Rows stay in the feed for `feedGrace` seconds past their `expires_at`: a guard accepts a token until its `exp`
    /// plus its leeway, so a row dropped at `exp` let a revoked token back in for the leeway (second attacker's pass).
    public func revocationFeed(for resource: ResourceServer, since: Int64?) async throws
        -> (revocations: [Revocation], cursor: Int64, workspace: Workspace)
    {
        let now = clock.now()
        let from = since.map { min($0, now) - 5 }
        guard let workspace = try await workspaces.workspace(id: resource.workspaceID) else { throw OAuthError.invalidClient }
        let rows = try await revocations.feed(workspaceID: resource.workspaceID, recordedSince: from, now: now - Self.feedGrace)
        return (rows, now, workspace)
    }

    /// How long past its expiry a revocation stays in the feed: longer than any guard's leeway (PortcullisGuard allows
    /// at most 5 minutes).
    public static let feedGrace: Int64 = 300
}
