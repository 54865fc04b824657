import Foundation
public import PortcullisCore
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
        // The API's rules, by the API's code (UserDraft, in Core), so the CLI refuses exactly what the API refuses. Email
        // and names are optional here (left out when blank), so only the fields given are checked; username and password
        // are always given, and an empty one is refused as the API refuses it.
        func given(_ value: String?) -> String? {
            value?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false ? value : nil
        }
        let typed = UserDraft(
            username: username, email: given(email), firstName: given(firstName), lastName: given(lastName), password: password)
        let errors = typed.validationErrors(creating: false)
        if !errors.isEmpty { throw ValidationFailure(errors) }
        let draft = try typed.prepared()
        do {
            return try await store.users.createUser(
                NewUser(
                    workspaceID: workspace.id, username: draft.username!, email: draft.email,
                    firstName: draft.firstName ?? "", lastName: draft.lastName ?? "", passwordHash: try await passwords.hash(draft.password!),
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
