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
        let user: UserAccount
        do {
            switch try await checkPassword(username: username, password: password, in: workspace, address: request.remoteAddress) {
            case .accepted(let account):
                user = account
            case .refused(let found):
                await recordPasswordGrant("token.password.failure", userID: found?.id, subject: found?.username, request, workspace, now)
                throw OAuthError.invalidUserCredentials
            }
        } catch OAuthError.throttled(let seconds) {
            let found = try? await users.user(username: username, workspaceID: workspace.id)
            await recordPasswordGrant("token.password.throttled", userID: found?.id, subject: found?.username, request, workspace, now)
            throw OAuthError.throttled(retryAfter: seconds)
        }

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

    /// The audit row of a refused or throttled password grant: the account's own name, or "(unknown user)" for a name
    /// that matches none (it may be a password typed into the wrong field); never the password.
    private func recordPasswordGrant(
        _ kind: String, userID: Int?, subject: String?, _ request: TokenRequest, _ workspace: Workspace, _ now: Int64
    ) async {
        try? await audit?.record(
            AuditEvent(workspaceID: workspace.id, kind: kind, userID: userID, subject: subject ?? "(unknown user)", address: request.remoteAddress, createdAt: now))
    }

    /// The name a username is throttled under, and a device cookie is bound to: its PRECIS comparison key (RFC 8265
    /// §3.3), the one accounts are looked up by, so `admin`, `ADMIN` and fullwidth `ａｄｍｉｎ` share one budget.
    static func throttleName(_ username: String, in workspace: Workspace) -> String {
        "\(workspace.id):\(PRECIS.usernameKey(username))"
    }

    /// The one password check of the password grant and the login page, throttled so that nobody can lock anyone
    /// else out (`AttemptLimiter`): a hard limit per (username, address) and per address, and per username alone a
    /// capped slow-down, which a browser the account signed in from before (`trustedDevice`, the `throttleName` its
    /// device cookie is bound to) skips. Counted before the bcrypt work and refunded on success, so concurrent guesses
    /// cannot slip past the limits (throws `throttled` when a hard one is reached). An unknown username costs the same
    /// bcrypt time as a wrong password, so response times do not tell which usernames exist.
    func checkPassword(
        username: String, password: String, in workspace: Workspace, address: String?, trustedDevice: String? = nil
    ) async throws -> PasswordCheck {
        let now = clock.now()
        let name = Self.throttleName(username, in: workspace)
        var keys = [ThrottleKey.pair(name, address)] + (address.map { [ThrottleKey(.address, $0)] } ?? [])
        // OWASP device cookies: only the per-username slow-down is skipped; the hard limits still hold.
        if trustedDevice != name { keys.append(ThrottleKey(.username, name)) }
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
