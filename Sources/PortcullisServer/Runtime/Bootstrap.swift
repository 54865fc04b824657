import Logging
import PortcullisCore
import PortcullisStore

/// What the first start made, for the one-time message to the operator.
public struct BootstrapReport: Sendable {
    public var createdWorkspace: String?
    /// The super-admin made on first start and its password, when the password was generated (shown once).
    public var createdAdmin: (username: String, generatedPassword: String?)?
}

extension Portcullis {
    /// The username of the super-admin made on first start.
    public static let firstAdminUsername = "admin"

    /// Migrates, then makes what a first start needs: the `workflow` workspace, its super-admin, a signing key.
    /// Idempotent and safe to run from several processes at once.
    public func bootstrap() async throws -> BootstrapReport {
        var report = BootstrapReport()
        try await store.migrate()
        let now = clock.now()
        let workspace: Workspace
        if let existing = try await store.workspaces.workspace(named: Workspace.defaultName) {
            workspace = existing
        } else {
            do {
                workspace = try await store.workspaces.createWorkspace(named: Workspace.defaultName, now: now)
                report.createdWorkspace = workspace.name
            } catch RepositoryError.duplicate {
                guard let raced = try await store.workspaces.workspace(named: Workspace.defaultName) else { throw RepositoryError.notFound }
                workspace = raced
            }
        }
        if try await store.users.countUsers(workspaceID: workspace.id) == 0 {
            let generated = configuration.adminPassword == nil ? Self.generatePassword() : nil
            let password = configuration.adminPassword ?? generated!
            // The API's password rules (RFC 8265 OpaqueString, 8 to 72 bytes): a 3-character setting was accepted, and
            // one with a tab escaped as a bare PRECIS.Refusal. Named by the setting, for the operator to fix.
            if let problem = UserDraft.passwordProblem(password) {
                throw ValidationFailure(field: "PORTCULLIS_ADMIN_PASSWORD", message: problem)
            }
            do {
                _ = try await store.users.createUser(
                    NewUser(
                        workspaceID: workspace.id, username: Self.firstAdminUsername, firstName: "Portcullis",
                        lastName: "Administrator", passwordHash: try await passwords.hash(password), isSuperAdmin: true),
                    now: now)
                report.createdAdmin = (Self.firstAdminUsername, generated)
            } catch RepositoryError.duplicate {
                // Another process made it first; its output carries the password.
            }
        }
        for workspace in try await store.workspaces.allWorkspaces() { try await ensurePersonalAccessClient(in: workspace) }
        try await keyManager.ensureActiveKey()
        try await keyManager.reload()
        revocationList.apply(try await store.revocations.activeRevocations(now: now))
        try await mirrors.follow(store.changes)
        try await resourceCatalog.reload(from: store.resourceServers)
        return report
    }

    /// Every workspace has a client for personal access tokens, as ProcessMaker makes one at install. Its secret is
    /// never shown: nobody authenticates as it.
    func ensurePersonalAccessClient(in workspace: Workspace) async throws {
        if try await personalTokens.client(in: workspace) != nil { return }
        do {
            _ = try await clientAdministration.register(
                ClientRegistration(name: PersonalAccessTokens.clientName, grants: [.personalAccess]), owner: nil, by: nil, in: workspace)
        } catch is ValidationFailure {
            // Another process made it, or a client already has the name; the next start tries again if needed.
        }
    }

    /// A password for people to copy: 20 characters without look-alikes (about 115 bits).
    static func generatePassword() -> String {
        SecureRandom.string(20, alphabet: "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    }
}
