/// Who is calling a protected route with a bearer token.
public struct Principal: Sendable {
    public let workspace: Workspace
    /// The user acted for; nil for client-credentials tokens.
    public let userID: Int?
    public let scopes: ScopeSet
    /// The token's claims.
    public let claims: AccessTokenClaims?

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
        // A token is for one workspace's API: one issued for another is as good as unknown here.
        guard claims.audience == codec.audience(for: workspace), !revocationList.isRevoked(claims) else {
            throw .invalidToken
        }
        let principal = Principal(claims: claims, workspace: workspace)
        guard principal.scopes.allows(access.requiredScope) else { throw .insufficientScope(access.requiredScope.rawValue) }
        return principal
    }
}
