import Foundation
import PortcullisCore
import PortcullisStore

/// A client just registered, with its secret: the only moment the secret exists outside the client.
public struct RegisteredClient: Sendable {
    public let client: OAuthClient
    public let secret: String?
}

/// Creating workspaces, users and clients: shared by the CLI and the admin pages.
extension Portcullis {
    public func workspace(named name: String) async throws -> Workspace {
        guard let workspace = try await store.workspaces.workspace(named: name) else {
            throw ValidationFailure(field: "workspace", message: "There is no workspace named \"\(name)\".")
        }
        return workspace
    }

    public func createWorkspace(named name: String) async throws -> Workspace {
        guard Workspace.isValidName(name) else {
            throw ValidationFailure(
                field: "name", message: "A workspace name starts with a letter and has only letters, digits, _ and - (at most 64).")
        }
        guard !Self.reservedWorkspaceNames.contains(name.lowercased()) else {
            throw ValidationFailure(field: "name", message: "\"\(name)\" is reserved: it is part of Portcullis's own addresses.")
        }
        let workspace: Workspace
        do {
            workspace = try await store.workspaces.createWorkspace(named: name, now: clock.now())
        } catch RepositoryError.duplicate {
            throw ValidationFailure(field: "name", message: "The workspace \"\(name)\" already exists.")
        }
        try await ensurePersonalAccessClient(in: workspace)
        workspaceDirectory.forgetMiss(workspace.name)
        return workspace
    }

    /// Names a workspace may not take: ProcessMaker 3's routes put the workspace where Portcullis has its own paths.
    static let reservedWorkspaceNames: Set<String> = ["api", "oauth", "admin", "profile", "login", "logout", "assets", "health", "users", "user"]

    public func createUser(
        username: String, password: String, email: String? = nil, firstName: String = "", lastName: String = "",
        isSuperAdmin: Bool = false, permissions: Set<Permission> = [], in workspace: Workspace
    ) async throws -> UserAccount {
        // The API's rules (UserDraft, in Core): PRECIS usernames and passwords (RFC 8265), one email check.
        var errors: [(String, [String])] = []
        if let problem = UserDraft.usernameProblem(username) { errors.append(("username", [problem])) }
        if let problem = UserDraft.passwordProblem(password) { errors.append(("password", [problem])) }
        let email = email?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let email, !email.isEmpty, let problem = email.count > 255 ? "The email may not be greater than 255 characters." : UserDraft.emailProblem(email) {
            errors.append(("email", [problem]))
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        let trimmed = try UserDraft.preparedUsername(username).display
        do {
            return try await store.users.createUser(
                NewUser(
                    workspaceID: workspace.id, username: trimmed, email: email?.isEmpty == true ? nil : email,
                    firstName: firstName, lastName: lastName, passwordHash: try await passwords.hash(password),
                    isSuperAdmin: isSuperAdmin, permissions: permissions),
                now: clock.now())
        } catch RepositoryError.duplicate {
            throw ValidationFailure(field: "username", message: "The username has already been taken.")
        }
    }

    /// Registers a client; the secret in the result is shown once and kept only as a keyed hash.
    public func registerClient(_ registration: ClientRegistration, ownerUserID: Int? = nil, in workspace: Workspace) async throws
        -> RegisteredClient
    {
        let (client, secret) = try await clientAdministration.register(registration, owner: ownerUserID, by: nil, in: workspace)
        return RegisteredClient(client: client, secret: secret)
    }

    /// A client of the workspace by its public id, or a clear failure.
    public func client(_ clientID: String, in workspace: Workspace) async throws -> OAuthClient {
        guard let client = try await store.clients.client(clientID: clientID, workspaceID: workspace.id) else {
            throw ValidationFailure(field: "client", message: "There is no client \"\(clientID)\" in workspace \"\(workspace.name)\".")
        }
        return client
    }
}
