/// Signing people in on the login page: the same bcrypt timing for unknown usernames, a throttle per username
/// and per address, and an audit record of every attempt.
public struct SignIn: Sendable {
    let server: AuthorizationServer
    let audit: any AuditRepository

    public init(server: AuthorizationServer, audit: any AuditRepository) {
        self.server = server
        self.audit = audit
    }

    /// The user, or `OAuthError.invalidUserCredentials` / `.throttled`. `trustedDevice` is what the browser's device
    /// cookie, already verified, is bound to (`deviceBinding`): it exempts this sign-in from the per-username
    /// slow-down when it names the account being signed in to.
    public func signIn(
        username: String, password: String, in workspace: Workspace, address: String?, trustedDevice: String? = nil
    ) async throws -> UserAccount {
        let now = server.clock.now()
        let check: AuthorizationServer.PasswordCheck
        do {
            check = try await server.checkPassword(
                username: username, password: password, in: workspace, address: address, trustedDevice: trustedDevice)
        } catch let error as OAuthError {
            if case .throttled = error {
                try? await audit.record(
                    AuditEvent(
                        workspaceID: workspace.id, kind: "login.throttled", subject: try await auditName(username, workspace), address: address,
                        createdAt: now))
            }
            throw error
        }
        switch check {
        case .accepted(let user):
            try? await audit.record(
                AuditEvent(workspaceID: workspace.id, kind: "login.success", userID: user.id, subject: user.username, address: address, createdAt: now))
            return user
        case .refused(let found):
            try? await audit.record(
                AuditEvent(
                    workspaceID: workspace.id, kind: "login.failure", userID: found?.id, subject: found?.username ?? "(unknown user)", address: address,
                    createdAt: now))
            throw OAuthError.invalidUserCredentials
        }
    }

    /// What a device cookie is bound to (OWASP's device cookies): the name a username's sign-ins are throttled under
    /// (its PRECIS key), so a cookie issued after one sign-in exempts sign-ins to that account only, however typed. It
    /// is checked against the typed username before the sign-in and issued with the same value after it.
    public static func deviceBinding(username: String, in workspace: Workspace) -> String {
        AuthorizationServer.throttleName(username, in: workspace)
    }

    /// The name an audit row carries: the account's own, or nothing for an unknown name (which may be a password typed
    /// into the wrong field).
    private func auditName(_ typed: String, _ workspace: Workspace) async throws -> String {
        try await server.users.user(username: typed, workspaceID: workspace.id)?.username ?? "(unknown user)"
    }
}
