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
        // A token is for one workspace's API: one issued for another is as good as unknown here.
        guard claims.audience == codec.audience(for: workspace), !revocationList.isRevoked(claims) else {
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
