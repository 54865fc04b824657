/// Where resource servers are kept.
public protocol ResourceServerRepository: Sendable {
    /// Every resource server of every workspace: the catalog is small and each instance holds all of it.
    func resourceServers() async throws -> [ResourceServer]
    /// Throws `RepositoryError.duplicate("uri")` when the workspace already has one with this URI.
    func createResourceServer(_ server: NewResourceServer, now: Int64) async throws -> ResourceServer
    /// Deletes the row and, in the same transaction, revokes every grant of its workspace for its URI and deletes the
    /// codes for it; returns the grant revocations recorded, or nil when there was no such row (a concurrent delete).
    func deleteResourceServer(id: Int, now: Int64, horizon: Int64) async throws -> [Revocation]?
    /// Throws `RepositoryError.notFound` when there is no such row.
    func replaceResourceServerSecret(id: Int, secretHash: String) async throws
    /// Throws `RepositoryError.notFound` when there is no such row. `revocations` are recorded in the same transaction.
    func replaceMachineClients(id: Int, clientIDs: [String], revocations: [Revocation], now: Int64) async throws
}
