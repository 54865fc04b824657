import Foundation
public import Logging

/// A clock in whole seconds since the epoch; tests substitute their own.
public struct Clock: Sendable {
    public let now: @Sendable () -> Int64
    public init(now: @escaping @Sendable () -> Int64) { self.now = now }
    public static let system = Clock { Int64(Date().timeIntervalSince1970) }
}

/// The rules of the authorization server, free of HTTP and of any database: the server hands it parsed
/// requests, and it answers with tokens or an `OAuthError`.
public struct AuthorizationServer: Sendable {
    public let workspaces: any WorkspaceRepository
    public let users: any UserRepository
    public let clients: any ClientRepository
    public let grants: any GrantRepository
    public let revocations: any RevocationRepository
    public let passwords: any PasswordHasher
    public let secrets: ClientSecretHasher
    public let codec: AccessTokenCodec
    public let revocationList: RevocationList
    public let policy: TokenPolicy
    public let limiter: any AttemptLimiter
    public let clock: Clock
    public let logger: Logger
    /// Where password-grant failures and throttled attempts are recorded (the login page records its own).
    public let audit: (any AuditRepository)?
    /// The grants the token endpoint serves, in registration order.
    public let tokenGrants: [any TokenGrant]
    /// The APIs besides Portcullis's own that tokens may be for (RFC 8707).
    public let resources: ResourceCatalog

    public init(
        workspaces: any WorkspaceRepository, users: any UserRepository, clients: any ClientRepository,
        grants: any GrantRepository, revocations: any RevocationRepository, passwords: any PasswordHasher,
        secrets: ClientSecretHasher, codec: AccessTokenCodec, revocationList: RevocationList, policy: TokenPolicy,
        limiter: any AttemptLimiter, clock: Clock = .system, logger: Logger, audit: (any AuditRepository)? = nil,
        tokenGrants: [any TokenGrant] = AuthorizationServer.coreGrants, resources: ResourceCatalog = ResourceCatalog()
    ) {
        self.workspaces = workspaces
        self.users = users
        self.clients = clients
        self.grants = grants
        self.revocations = revocations
        self.passwords = passwords
        self.secrets = secrets
        self.codec = codec
        self.revocationList = revocationList
        self.policy = policy
        self.limiter = limiter
        self.clock = clock
        self.logger = logger
        self.audit = audit
        self.tokenGrants = tokenGrants
        self.resources = resources
    }

    /// The grants that need no storage beyond the server's own repositories; the server adds the ones built with
    /// theirs (`AuthorizationCodeGrant(codes:)`).
    public static let coreGrants: [any TokenGrant] = [PasswordGrant(), ClientCredentialsGrant(), RefreshTokenGrant()]

    /// The token endpoint (RFC 6749 §3.2): validates the grant type, throttles, authenticates the client,
    /// then runs the grant.
    public func token(_ request: TokenRequest, in workspace: Workspace) async throws -> IssuedTokens {
        guard let grantName = request["grant_type"] else {
            throw OAuthError.invalidRequest("The grant type was not specified in the request")
        }
        // An unknown grant type is refused before the client is authenticated, so it costs no throttle budget.
        guard let grant = tokenGrants.first(where: { $0.grantType == grantName }) else {
            throw OAuthError.unsupportedGrantType(grantName)
        }
        let authenticated = try await authenticateClient(request, in: workspace, confidentialOnly: false)
        return try await grant.issue(request, client: authenticated, in: workspace, server: self)
    }

    /// Signs an access token for a user (or, with `userID` nil, for the client itself), for `target`'s resources
    /// (none: the workspace's own API).
    func mintAccessToken(
        workspace: Workspace, client: OAuthClient, user: UserAccount?, target: TokenTarget, grantID: Int?, now: Int64,
        lifetime: Int64? = nil
    ) throws -> (token: String, claims: AccessTokenClaims) {
        let claims = AccessTokenClaims(
            issuer: codec.issuer,
            subject: user.map { String($0.id) } ?? client.clientID,
            audience: target.resources.isEmpty ? [codec.audience(for: workspace)] : target.resources,
            clientID: client.clientID,
            scope: target.scope,
            tokenID: Base64URL.encode(SecureRandom.bytes(16)),
            grantID: grantID.map(String.init),
            userVersion: user?.tokenVersion,
            workspace: workspace.name,
            issuedAt: now,
            expiresAt: now + (lifetime ?? policy.accessTokenLifetime)
        )
        return (try codec.sign(claims), claims)
    }
}

extension AuthorizationServer {
    /// Whether a verified token belongs to `workspace`: for its own API, or for one of its resource servers. Tokens
    /// made before the `workspace` claim existed name the workspace's API in `aud`.
    func belongs(_ claims: AccessTokenClaims, to workspace: Workspace) -> Bool {
        if claims.audience.contains(codec.audience(for: workspace)) { return true }
        guard claims.workspace == workspace.name else { return false }
        return claims.audience.allSatisfy { resources.server(uri: $0, in: workspace.id) != nil }
    }

    /// Revokes a grant in the store and in this instance's mirror at once.
    func revokeGrant(_ grantID: Int, now: Int64) async throws {
        try await grants.revokeGrant(id: grantID, now: now, accessTokenHorizon: now + policy.accessTokenLifetime)
        revocationList.apply([
            Revocation(kind: .grant, value: String(grantID), revokedAt: now, expiresAt: now + policy.accessTokenLifetime)
        ])
    }
}
