/// RFC 6749 §4.3, the resource owner password credentials grant: only for clients switched on for it.
public struct PasswordGrant: TokenGrant {
    public let grantType = "password"

    public init() {}

    public func issue(_ request: TokenRequest, client authenticated: AuthenticatedClient, in workspace: Workspace, server: AuthorizationServer)
        async throws -> IssuedTokens
    {
        let client = authenticated.client
        guard client.grants.contains(.password) else {
            throw OAuthError.unauthorizedClient("The grant type is unauthorized for this client_id")
        }
        guard let username = request["username"], let password = request["password"] else {
            throw OAuthError.invalidRequest("Missing parameters: \"username\" and \"password\" required")
        }
        let target = try server.resources.target(resources: request["resource"], scope: request["scope"], in: workspace.id)
        let now = server.clock.now()
        let user: UserAccount
        do {
            switch try await server.checkPassword(username: username, password: password, in: workspace, address: request.remoteAddress) {
            case .accepted(let account):
                user = account
            case .refused(let found):
                await record("token.password.failure", userID: found?.id, subject: found?.username, request, workspace, now, server)
                throw OAuthError.invalidUserCredentials
            }
        } catch OAuthError.throttled(let seconds) {
            let found = try? await server.users.user(username: username, workspaceID: workspace.id)
            await record("token.password.throttled", userID: found?.id, subject: found?.username, request, workspace, now, server)
            throw OAuthError.throttled(retryAfter: seconds)
        }

        let refreshToken = OpaqueSecret.generate(.refreshToken)
        let grantID = try await server.grants.createGrant(
            NewGrant(
                workspaceID: workspace.id, clientRowID: client.id, userID: user.id, scope: target.scope, grantType: .password,
                resources: target.resources),
            refreshToken: NewRefreshToken(
                hash: OpaqueSecret.hash(refreshToken), parentID: nil, expiresAt: now + server.policy.refreshTokenLifetime),
            now: now
        )
        let access = try server.mintAccessToken(
            workspace: workspace, client: client, user: user, target: target, grantID: grantID, now: now)
        return IssuedTokens(
            accessToken: access.token, expiresIn: server.policy.accessTokenLifetime, refreshToken: refreshToken, scope: target.scope,
            claims: access.claims)
    }

    /// The audit row of a refused or throttled password grant: the account's own name, or "(unknown user)" for a name
    /// that matches none (it may be a password typed into the wrong field); never the password.
    private func record(
        _ kind: String, userID: Int?, subject: String?, _ request: TokenRequest, _ workspace: Workspace, _ now: Int64,
        _ server: AuthorizationServer
    ) async {
        try? await server.audit?.record(
            AuditEvent(
                workspaceID: workspace.id, kind: kind, userID: userID, subject: subject ?? "(unknown user)", address: request.remoteAddress, createdAt: now))
    }
}
