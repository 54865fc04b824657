/// Registering and deleting resource servers (issue 15). Who may is `Requirement.manageResources`, declared on the
/// routes; the CLI is the operator on the data folder. A write here is in this instance's catalog at once and in every
/// other instance's within one mirror pass.
public struct ResourceAdministration: Sendable {
    let repository: any ResourceServerRepository
    let catalog: ResourceCatalog
    let secrets: ClientSecretHasher
    let clock: Clock

    public init(repository: any ResourceServerRepository, catalog: ResourceCatalog, secrets: ClientSecretHasher, clock: Clock) {
        self.repository = repository
        self.catalog = catalog
        self.secrets = secrets
        self.clock = clock
    }

    /// Registers a resource server; returns it with its secret, which is shown this once and stored only as a keyed
    /// hash. A URI the workspace already has is a `ValidationFailure` on `uri`.
    public func create(_ registration: ResourceServerRegistration, in workspace: Workspace) async throws -> (ResourceServer, secret: String) {
        let valid = try registration.validated()
        let secret = OpaqueSecret.generate(.clientSecret)
        let created: ResourceServer
        do {
            created = try await repository.createResourceServer(
                NewResourceServer(
                    workspaceID: workspace.id, uri: valid.uri, name: valid.name ?? valid.uri, scopes: valid.scopes,
                    clientID: ResourceServer.clientIDPrefix + SecureRandom.string(29, alphabet: "abcdefghijklmnopqrstuvwxyz0123456789"),
                    secretHash: secrets.hash(secret)),
                now: clock.now())
        } catch RepositoryError.duplicate {
            throw ValidationFailure(field: "uri", message: "The workspace already has a resource server with this uri.")
        }
        try await catalog.reload(from: repository)
        return (created, secret)
    }

    public func list(in workspace: Workspace) async throws -> [ResourceServer] {
        try await catalog.reload(from: repository)
        return catalog.servers(in: workspace.id)
    }

    public func server(id: Int, in workspace: Workspace) async throws -> ResourceServer {
        guard let found = try await list(in: workspace).first(where: { $0.id == id }) else { throw ResourceNotFound("No resource server with this id") }
        return found
    }

    /// A new secret, shown once; the old one stops working here at once and on other instances within a mirror pass.
    public func regenerateSecret(id: Int, in workspace: Workspace) async throws -> (ResourceServer, secret: String) {
        let found = try await server(id: id, in: workspace)
        let secret = OpaqueSecret.generate(.clientSecret)
        try await repository.replaceResourceServerSecret(id: found.id, secretHash: secrets.hash(secret))
        try await catalog.reload(from: repository)
        return (found, secret)
    }

    /// Deletes it: new tokens for it are `invalid_target` at once. Tokens already issued stay valid at the API until
    /// they expire (the API checks them itself); revoke the grants for a faster end.
    public func delete(id: Int, in workspace: Workspace) async throws {
        let found = try await server(id: id, in: workspace)
        _ = try await repository.deleteResourceServer(id: found.id)
        try await catalog.reload(from: repository)
    }
}
