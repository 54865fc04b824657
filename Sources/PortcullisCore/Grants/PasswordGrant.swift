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
        guard case .accepted(let user) = try await checkPassword(username: username, password: password, in: workspace, address: request.remoteAddress)
        else { throw OAuthError.invalidUserCredentials }

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

    /// What checking a username and password found.
    enum PasswordCheck {
        case accepted(UserAccount)
        /// Wrong password, unknown username (`found` nil) or an inactive account.
        case refused(found: UserAccount?)
    }

    /// The one password check of the password grant and the login page. One budget per account across both, and one
    /// per address: counted before the bcrypt work and refunded on success, so concurrent guesses cannot slip past
    /// the limit (throws `throttled` when it is reached). An unknown username costs the same bcrypt time as a wrong
    /// password, so response times do not tell which usernames exist.
    func checkPassword(username: String, password: String, in workspace: Workspace, address: String?) async throws -> PasswordCheck {
        let now = clock.now()
        let keys = [ThrottleKey(.username, "\(workspace.id):\(username.lowercased())")] + (address.map { [ThrottleKey(.address, $0)] } ?? [])
        let attempt = try await limiter.begin(keys, now: now)
        let found: UserAccount?
        let verified: Bool
        do {
            found = try await users.user(username: username, workspaceID: workspace.id)
            if let found {
                verified = await passwords.verify(password, against: found.passwordHash)
            } else {
                await passwords.verifyAgainstDummy(password)
                verified = false
            }
        } catch {
            await limiter.finished(attempt, succeeded: false, now: now)
            throw error
        }
        guard let user = found, verified, user.isActive else {
            await limiter.finished(attempt, succeeded: false, now: now)
            return .refused(found: found)
        }
        await limiter.finished(attempt, succeeded: true, now: now)
        return .accepted(user)
    }
}
