import Foundation
import PortcullisCore
import SQLKit

struct ResourceServerStore: ResourceServerRepository {
    let store: Store

    private struct Row: Decodable {
        let id: Int
        let workspaceId: Int
        let uri: String
        let name: String
        let scopes: String
        let clientId: String
        let secretHash: String
        let createdAt: Int64

        var value: ResourceServer {
            // Written by this store as JSON; a row that does not decode defines no scopes rather than failing the catalog.
            let scopes = (try? JSONDecoder().decode([ResourceScope].self, from: Data(self.scopes.utf8))) ?? []
            return ResourceServer(
                id: id, workspaceID: workspaceId, uri: uri, name: name, scopes: scopes, clientID: clientId, secretHash: secretHash,
                createdAt: createdAt)
        }
    }

    private static let columns: SQLQueryString = "id, workspace_id, uri, name, scopes, client_id, secret_hash, created_at"

    func resourceServers() async throws -> [ResourceServer] {
        try await store.sql.raw("SELECT \(Self.columns) FROM resource_servers ORDER BY id")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.value)
    }

    func createResourceServer(_ server: NewResourceServer, now: Int64) async throws -> ResourceServer {
        let scopes = String(decoding: try JSONEncoder().encode(server.scopes), as: UTF8.self)
        do {
            guard
                let row = try await store.sql.raw(
                    """
                    INSERT INTO resource_servers (workspace_id, uri, name, scopes, client_id, secret_hash, created_at)
                    VALUES (\(bind: server.workspaceID), \(bind: server.uri), \(bind: server.name), \(bind: scopes), \
                    \(bind: server.clientID), \(bind: server.secretHash), \(bind: now)) RETURNING \(Self.columns)
                    """
                ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            else { throw RepositoryError.notFound }
            return row.value
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("uri")
        }
    }

    func deleteResourceServer(id: Int) async throws -> Bool {
        let rows = try await store.sql.raw("DELETE FROM resource_servers WHERE id = \(bind: id) RETURNING id").all()
        return !rows.isEmpty
    }

    func replaceResourceServerSecret(id: Int, secretHash: String) async throws {
        let rows = try await store.sql.raw("UPDATE resource_servers SET secret_hash = \(bind: secretHash) WHERE id = \(bind: id) RETURNING id")
            .all()
        if rows.isEmpty { throw RepositoryError.notFound }
    }
}
