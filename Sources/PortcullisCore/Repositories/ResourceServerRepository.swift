/// Where resource servers are kept.
public protocol ResourceServerRepository: Sendable {
    /// Every resource server of every workspace: the catalog is small and each instance holds all of it.
    func resourceServers() async throws -> [ResourceServer]
    /// Throws `RepositoryError.duplicate("uri")` when the workspace already has one with this URI.
    func createResourceServer(_ server: NewResourceServer, now: Int64) async throws -> ResourceServer
    func deleteResourceServer(id: Int) async throws -> Bool
    /// Throws `RepositoryError.notFound` when there is no such row.
    func replaceResourceServerSecret(id: Int, secretHash: String) async throws
}
