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
        let keys = [ThrottleKey(.username, "login:\(workspace.id):\(username.lowercased())")]
            + (address.map { [ThrottleKey(.address, "login:\($0)")] } ?? [])
        do {
            for key in keys { try await server.limiter.check(key, now: now) }
        } catch {
            try? await audit.record(AuditEvent(workspaceID: workspace.id, kind: "login.throttled", subject: username, address: address, createdAt: now))
            throw error
        }
        let user = try await server.users.user(username: username, workspaceID: workspace.id)
        let verified: Bool
        if let user {
            verified = await server.passwords.verify(password, against: user.passwordHash)
        } else {
            await server.passwords.verifyAgainstDummy(password)
            verified = false
        }
        guard let user, verified, user.isActive else {
            for key in keys { await server.limiter.recordFailure(key, now: now) }
            try? await audit.record(
                AuditEvent(workspaceID: workspace.id, kind: "login.failure", userID: user?.id, subject: username, address: address, createdAt: now))
            throw OAuthError.invalidUserCredentials
        }
        try? await audit.record(
            AuditEvent(workspaceID: workspace.id, kind: "login.success", userID: user.id, subject: user.username, address: address, createdAt: now))
        return user
    }
}
