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
        let machineClients: String
        let createdAt: Int64

        var value: ResourceServer {
            // Written by this store as JSON; a row that does not decode defines no scopes rather than failing the catalog.
            let scopes = (try? JSONDecoder().decode([ResourceScope].self, from: Data(self.scopes.utf8))) ?? []
            let machineClients = (try? JSONDecoder().decode([String].self, from: Data(self.machineClients.utf8))) ?? []
            return ResourceServer(
                id: id, workspaceID: workspaceId, uri: uri, name: name, scopes: scopes, clientID: clientId, secretHash: secretHash,
                machineClients: machineClients, createdAt: createdAt)
        }
    }

    private static let columns: SQLQueryString = "id, workspace_id, uri, name, scopes, client_id, secret_hash, machine_clients, created_at"

    func resourceServers() async throws -> [ResourceServer] {
        try await store.sql.raw("SELECT \(Self.columns) FROM resource_servers ORDER BY id")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.value)
    }

    func createResourceServer(_ server: NewResourceServer, now: Int64) async throws -> ResourceServer {
        let scopes = String(decoding: try JSONEncoder().encode(server.scopes), as: UTF8.self)
        let machineClients = String(decoding: try JSONEncoder().encode(server.machineClients), as: UTF8.self)
        do {
            guard
                let row = try await store.sql.raw(
                    """
                    INSERT INTO resource_servers (workspace_id, uri, name, scopes, client_id, secret_hash, machine_clients, created_at)
                    VALUES (\(bind: server.workspaceID), \(bind: server.uri), \(bind: server.name), \(bind: scopes), \
                    \(bind: server.clientID), \(bind: server.secretHash), \(bind: machineClients), \(bind: now)) RETURNING \(Self.columns)
                    """
                ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            else { throw RepositoryError.notFound }
            return row.value
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("uri")
        }
    }

    private struct Deleted: Decodable {
        let workspaceId: Int
        let uri: String
    }

    func deleteResourceServer(id: Int, now: Int64, horizon: Int64) async throws -> [Revocation]? {
        try await store.writeTransaction { sql in
            guard
                let deleted = try await sql.raw("DELETE FROM resource_servers WHERE id = \(bind: id) RETURNING workspace_id, uri")
                    .first(decoding: Deleted.self, keyDecodingStrategy: .convertFromSnakeCase)
            else { return nil }
            // The URI as one of the space-separated list's items (a substring search, not LIKE: a URI may hold % and _;
            // SQLite calls it instr, PostgreSQL strpos).
            let find = sql.dialect.name == "sqlite" ? "instr" : "strpos"
            let names: SQLQueryString = "\(unsafeRaw: find)(' ' || resources || ' ', \(bind: " " + deleted.uri + " ")) > 0"
            try await sql.raw(
                "DELETE FROM authorization_codes WHERE workspace_id = \(bind: deleted.workspaceId) AND used_at IS NULL AND \(names)"
            ).run()
            let grants = try await sql.raw(
                "SELECT id FROM grants WHERE workspace_id = \(bind: deleted.workspaceId) AND revoked_at IS NULL AND \(names)"
            ).all(decodingColumn: "id", as: Int.self)
            var revocations: [Revocation] = []
            for grant in grants {
                try await GrantStore.revokeGrants(.grant(grant), now: now, on: sql)
                let revocation = Revocation(
                    kind: .grant, value: String(grant), revokedAt: now, expiresAt: horizon, workspaceID: deleted.workspaceId)
                try await RevocationStore.insert(revocation, recordedAt: now, on: sql)
                revocations.append(revocation)
            }
            return revocations
        }
    }

    func replaceMachineClients(id: Int, clientIDs: [String], revocations: [Revocation], now: Int64) async throws {
        let list = String(decoding: try JSONEncoder().encode(clientIDs), as: UTF8.self)
        try await store.writeTransaction { sql in
            let rows = try await sql.raw("UPDATE resource_servers SET machine_clients = \(bind: list) WHERE id = \(bind: id) RETURNING id").all()
            if rows.isEmpty { throw RepositoryError.notFound }
            for revocation in revocations { try await RevocationStore.insert(revocation, recordedAt: now, on: sql) }
        }
    }

    func replaceResourceServerSecret(id: Int, secretHash: String) async throws {
        let rows = try await store.sql.raw("UPDATE resource_servers SET secret_hash = \(bind: secretHash) WHERE id = \(bind: id) RETURNING id")
            .all()
        if rows.isEmpty { throw RepositoryError.notFound }
    }
}
