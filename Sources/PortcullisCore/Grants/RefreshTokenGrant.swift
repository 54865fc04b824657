import Logging

/// RFC 6749 §6 with the rotation of RFC 9700 §4.14.2: every use returns a new refresh token, and a used one
/// presented again revokes the whole grant, because one of the two presenters is an attacker.
public struct RefreshTokenGrant: TokenGrant {
    public let grantType = "refresh_token"

    public init() {}

    public func issue(_ request: TokenRequest, client authenticated: AuthenticatedClient, in workspace: Workspace, server: AuthorizationServer)
        async throws -> IssuedTokens
    {
        let client = authenticated.client
        guard let presented = request["refresh_token"] else {
            throw OAuthError.invalidRequest("Missing parameter: \"refresh_token\" is required")
        }
        let now = server.clock.now()
        let invalid = OAuthError.invalidRefreshToken("The refresh token is invalid")

        guard OpaqueSecret.hasShape(presented, of: .refreshToken),
            let record = try await server.grants.refreshToken(hash: OpaqueSecret.hash(presented)),
            // RFC 6749 §6: the token must have been issued to the authenticated client.
            record.clientRowID == client.id, record.workspaceID == workspace.id
        else { throw invalid }
        if record.revokedAt != nil { throw invalid }
        if record.usedAt != nil {
            try await revokeForReuse(record, server: server, now: now)
            throw invalid
        }
        if record.expiresAt <= now { throw OAuthError.invalidRefreshToken("The refresh token has expired") }
        var user: UserAccount?
        if let userID = record.userID {
            guard let found = try await server.users.user(id: userID), found.isActive else { throw invalid }
            user = found
        }
        // RFC 6749 §6 and RFC 8707 §2.2: the new access token may be narrower than the grant (scope and resources),
        // never wider. The grant, and so the next refresh token, keeps what it was given.
        let target = try server.resources.narrow(record.target, resources: request["resource"], scope: request["scope"], in: workspace.id)

        let successor = OpaqueSecret.generate(.refreshToken)
        let rotated = try await server.grants.rotateRefreshToken(
            id: record.id, grantID: record.grantID,
            successor: NewRefreshToken(
                hash: OpaqueSecret.hash(successor), parentID: record.id, expiresAt: now + server.policy.refreshTokenLifetime),
            now: now)
        guard rotated else {
            // Another request redeemed it between our read and our update: a second presentation.
            try await revokeForReuse(record, server: server, now: now)
            throw invalid
        }
        let access = try server.mintAccessToken(
            workspace: workspace, client: client, user: user, target: target, grantID: record.grantID, now: now)
        return IssuedTokens(
            accessToken: access.token, expiresIn: server.policy.accessTokenLifetime, refreshToken: successor, scope: target.scope,
            claims: access.claims)
    }

    private func revokeForReuse(_ record: RefreshTokenRecord, server: AuthorizationServer, now: Int64) async throws {
        // Twenty presentations at once make nineteen losers; the first to get here revokes, the rest find it done (the
        // mirror holds a grant's revocation only once it is committed) and write nothing. Each of them used to queue a
        // transaction behind the first one's row lock, which under load held the pool long enough to answer a 503.
        guard !server.revocationList.isGrantRevoked(record.grantID) else { return }
        server.logger.warning(
            "refresh token reuse detected; revoking its grant",
            metadata: ["grant_id": "\(record.grantID)", "client_row": "\(record.clientRowID)"])
        try await server.revokeGrant(record.grantID, now: now)
    }
}
