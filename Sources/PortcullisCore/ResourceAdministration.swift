/// Registering and deleting resource servers (issue 15). Who may is `Requirement.manageResources`, declared on the
/// routes; the CLI is the operator on the data folder. A write here is in this instance's catalog at once and in every
/// other instance's within one mirror pass.
public struct ResourceAdministration: Sendable {
    let repository: any ResourceServerRepository
    let catalog: ResourceCatalog
    let clients: any ClientRepository
    let secrets: ClientSecretHasher
    let revocationList: RevocationList
    /// Portcullis's own issuer: no resource server is registered under it.
    let issuer: String
    /// How long a revocation must last: the longest any token this server signs can live (a client-wide one may name a
    /// client whose personal tokens live a year).
    let tokenHorizon: Int64
    let clock: Clock

    public init(
        repository: any ResourceServerRepository, catalog: ResourceCatalog, clients: any ClientRepository, secrets: ClientSecretHasher,
        revocationList: RevocationList, issuer: String, tokenHorizon: Int64, clock: Clock
    ) {
        self.repository = repository
        self.catalog = catalog
        self.clients = clients
        self.secrets = secrets
        self.revocationList = revocationList
        self.issuer = issuer
        self.tokenHorizon = tokenHorizon
        self.clock = clock
    }

    /// Registers a resource server; returns it with its secret, which is shown this once and stored only as a keyed
    /// hash. A URI the workspace already has, or a machine client it does not have, is a `ValidationFailure`.
    public func create(_ registration: ResourceServerRegistration, in workspace: Workspace) async throws -> (ResourceServer, secret: String) {
        let valid = try registration.validated(issuer: issuer)
        let machineClients = try await checkedMachineClients(valid.machineClients, in: workspace)
        let secret = OpaqueSecret.generate(.clientSecret)
        let created: ResourceServer
        do {
            created = try await repository.createResourceServer(
                NewResourceServer(
                    workspaceID: workspace.id, uri: valid.uri, name: valid.name ?? valid.uri, scopes: valid.scopes,
                    clientID: ResourceServer.clientIDPrefix + SecureRandom.string(29, alphabet: "abcdefghijklmnopqrstuvwxyz0123456789"),
                    secretHash: secrets.hash(secret), machineClients: machineClients),
                now: clock.now())
        } catch RepositoryError.duplicate {
            // Across workspaces too (M0022): every workspace shares the issuer, so `aud` alone must say whose API it is.
            throw ValidationFailure(field: "uri", message: "A resource server with this uri is already registered (in this or another workspace).")
        }
        try await catalog.reload(from: repository)
        return (created, secret)
    }

    /// Replaces the clients that may get client-credentials tokens for the API. One dropped from the list gets no new
    /// token, and the access tokens it holds stop, here at once and everywhere within a second: a client-credentials
    /// token acts for the client alone, with access only the list gave (third attacker's pass). It is a client-wide
    /// revocation, so the client's users' access tokens stop too; their refresh tokens still work.
    public func setMachineClients(_ clientIDs: [String], id: Int, in workspace: Workspace) async throws -> ResourceServer {
        let found = try await server(id: id, in: workspace)
        let kept = try await checkedMachineClients(clientIDs, in: workspace)
        let now = clock.now()
        let revocations = found.machineClients.filter { !kept.contains($0) }.map {
            Revocation(kind: .client, value: $0, revokedAt: now, expiresAt: now + tokenHorizon, workspaceID: workspace.id)
        }
        do {
            try await repository.replaceMachineClients(id: found.id, clientIDs: kept, revocations: revocations, now: now)
        } catch RepositoryError.notFound {
            throw ResourceNotFound("No resource server with this id")  // deleted meanwhile
        }
        revocationList.apply(revocations)
        try await catalog.reload(from: repository)
        return try await server(id: id, in: workspace)
    }

    /// Each must be a confidential client of the workspace with the client-credentials grant.
    private func checkedMachineClients(_ clientIDs: [String], in workspace: Workspace) async throws -> [String] {
        var seen: Set<String> = []
        for clientID in clientIDs where seen.insert(clientID).inserted {
            guard let client = try await clients.client(clientID: clientID, workspaceID: workspace.id), client.isConfidential,
                client.grants.contains(.clientCredentials)
            else {
                throw ValidationFailure(
                    field: "machine_clients",
                    message: "\(clientID.prefix(64)) is not a confidential client of this workspace with the client_credentials grant.")
            }
        }
        return clientIDs.filter { seen.remove($0) != nil }
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

    /// Deletes it, and with it every grant and outstanding code for its URI: their tokens stop everywhere within a
    /// second, and registering the URI again later brings none of them back (attacker's pass, issue 15).
    /// Client-credentials tokens, which have no grant, live until they expire (at most the access-token lifetime).
    public func delete(id: Int, in workspace: Workspace) async throws {
        let found = try await server(id: id, in: workspace)
        // Its machine clients lose their tokens first, as when dropped from the list: with the URI registered again,
        // their client-credentials tokens would otherwise be good at the new registration (third attacker's pass).
        if !found.machineClients.isEmpty { _ = try await setMachineClients([], id: found.id, in: workspace) }
        let now = clock.now()
        guard let revoked = try await repository.deleteResourceServer(id: found.id, now: now, horizon: now + tokenHorizon) else {
            throw ResourceNotFound("No resource server with this id")
        }
        revocationList.apply(revoked)
        try await catalog.reload(from: repository)
    }
}
