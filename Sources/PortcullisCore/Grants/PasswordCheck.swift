extension AuthorizationServer {
    /// What checking a username and password found.
    enum PasswordCheck {
        case accepted(UserAccount)
        /// Wrong password, unknown username (`found` nil) or an inactive account.
        case refused(found: UserAccount?)
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
