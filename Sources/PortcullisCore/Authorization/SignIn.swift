/// Signing people in on the login page: the same bcrypt timing for unknown usernames, a throttle per username
/// and per address, and an audit record of every attempt.
public struct SignIn: Sendable {
    let server: AuthorizationServer
    let audit: any AuditRepository

    public init(server: AuthorizationServer, audit: any AuditRepository) {
        self.server = server
        self.audit = audit
    }

    /// The user, or `OAuthError.invalidUserCredentials` / `.throttled`.
    public func signIn(username: String, password: String, in workspace: Workspace, address: String?) async throws -> UserAccount {
        let now = server.clock.now()
        // One budget per account across the login form and the password grant; counted before the bcrypt work and
        // refunded on success, so concurrent guesses cannot slip past the limit.
        let keys = [ThrottleKey(.username, "\(workspace.id):\(username.lowercased())")]
            + (address.map { [ThrottleKey(.address, $0)] } ?? [])
        let attempt: AttemptTicket
        do {
            attempt = try await server.limiter.begin(keys, now: now)
        } catch {
            try? await audit.record(
                AuditEvent(workspaceID: workspace.id, kind: "login.throttled", subject: try await auditName(username, workspace), address: address, createdAt: now))
            throw error
        }
        let found: UserAccount?
        let verified: Bool
        do {
            found = try await server.users.user(username: username, workspaceID: workspace.id)
            if let found {
                verified = await server.passwords.verify(password, against: found.passwordHash)
            } else {
                await server.passwords.verifyAgainstDummy(password)
                verified = false
            }
        } catch {
            await server.limiter.finished(attempt, succeeded: false, now: now)
            throw error
        }
        guard let user = found, verified, user.isActive else {
            await server.limiter.finished(attempt, succeeded: false, now: now)
            try? await audit.record(
                AuditEvent(
                    workspaceID: workspace.id, kind: "login.failure", userID: found?.id, subject: found?.username ?? "(unknown user)", address: address,
                    createdAt: now))
            throw OAuthError.invalidUserCredentials
        }
        await server.limiter.finished(attempt, succeeded: true, now: now)
        try? await audit.record(
            AuditEvent(workspaceID: workspace.id, kind: "login.success", userID: user.id, subject: user.username, address: address, createdAt: now))
        return user
    }

    /// The name an audit row carries: the account's own, or nothing for an unknown name (which may be a password typed
    /// into the wrong field).
    private func auditName(_ typed: String, _ workspace: Workspace) async throws -> String {
        try await server.users.user(username: typed, workspaceID: workspace.id)?.username ?? "(unknown user)"
    }
}
