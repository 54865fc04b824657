extension AuthorizationServer {
    /// RFC 6749 §4.3, the resource owner password credentials grant: only for clients switched on for it.
    func passwordGrant(_ request: TokenRequest, client authenticated: AuthenticatedClient, workspace: Workspace) async throws
        -> IssuedTokens
    {
        let client = authenticated.client
        guard client.grants.contains(.password) else {
            throw OAuthError.unauthorizedClient("The grant type is unauthorized for this client_id")
        }
        guard let username = request["username"], let password = request["password"] else {
            throw OAuthError.invalidRequest("Missing parameters: \"username\" and \"password\" required")
        }
        let scope = try ScopeSet.parse(request["scope"]) ?? .everything
        let now = clock.now()
        // Counted before the bcrypt work, refunded on success: concurrent guesses cannot slip past the limit.
        let keys = [ThrottleKey(.username, "\(workspace.id):\(username.lowercased())")] + (request.remoteAddress.map { [ThrottleKey(.address, $0)] } ?? [])
        let attempt = try await limiter.begin(keys, now: now)
        let user: UserAccount
        do {
            user = try await verifiedUser(username: username, password: password, workspace: workspace)
        } catch {
            await limiter.finished(attempt, succeeded: false, now: now)
            throw error
        }
        await limiter.finished(attempt, succeeded: true, now: now)

        let refreshToken = OpaqueSecret.generate(.refreshToken)
        let grantID = try await grants.createGrant(
            NewGrant(workspaceID: workspace.id, clientRowID: client.id, userID: user.id, scope: scope, grantType: .password),
            refreshToken: NewRefreshToken(
                hash: OpaqueSecret.hash(refreshToken), parentID: nil, expiresAt: now + policy.refreshTokenLifetime),
            now: now
        )
        let access = try mintAccessToken(
            workspace: workspace, client: client, user: user, scope: scope, grantID: grantID, now: now)
        return IssuedTokens(
            accessToken: access.token, expiresIn: policy.accessTokenLifetime, refreshToken: refreshToken, scope: scope,
            claims: access.claims)
    }

    /// The active user with this password, or `invalidUserCredentials`.
    private func verifiedUser(username: String, password: String, workspace: Workspace) async throws -> UserAccount {
        guard let user = try await users.user(username: username, workspaceID: workspace.id) else {
            // An unknown username costs the same bcrypt time as a wrong password.
            await passwords.verifyAgainstDummy(password)
            throw OAuthError.invalidUserCredentials
        }
        guard await passwords.verify(password, against: user.passwordHash), user.isActive else {
            throw OAuthError.invalidUserCredentials
        }
        return user
    }
}
