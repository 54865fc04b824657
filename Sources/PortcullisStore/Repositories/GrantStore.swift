import FluentKit
import PortcullisCore
import SQLKit

struct GrantStore: GrantRepository {
    let store: Store

    func createGrant(_ grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) async throws -> Int {
        try await store.writeTransaction { sql in
            let grantID = try await Self.insert(grant, now: now, on: sql)
            if let refreshToken {
                try await Self.insert(refreshToken, grantID: grantID, now: now, on: sql)
            }
            return grantID
        }
    }

    /// A grant row, inside the caller's write transaction; returns its id.
    static func insert(_ grant: NewGrant, now: Int64, on sql: any SQLDatabase) async throws -> Int {
        guard
            let grantID = try await sql.raw(
                """
                INSERT INTO grants (workspace_id, client_row_id, user_id, scope, grant_type, resources, created_at)
                VALUES (\(bind: grant.workspaceID), \(bind: grant.clientRowID), \(bind: grant.userID), \
                \(bind: grant.scope.description), \(bind: grant.grantType.rawValue), \(bind: grant.resources.joined(separator: " ")), \
                \(bind: now)) RETURNING id
                """
            ).first(decodingColumn: "id", as: Int.self)
        else { throw RepositoryError.notFound }
        return grantID
    }

    static func insert(_ token: NewRefreshToken, grantID: Int, now: Int64, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            INSERT INTO refresh_tokens (grant_id, token_hash, parent_id, expires_at, created_at)
            VALUES (\(bind: grantID), \(bind: token.hash), \(bind: token.parentID), \(bind: token.expiresAt), \(bind: now))
            """
        ).run()
    }

    private struct Row: Decodable {
        let id: Int
        let grantId: Int
        let workspaceId: Int
        let clientRowId: Int
        let userId: Int?
        let scope: String
        let expiresAt: Int64
        let usedAt: Int64?
        let tokenRevokedAt: Int64?
        let grantRevokedAt: Int64?
        let resources: String
    }

    func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        guard
            let row = try await store.sql.raw(
                """
                SELECT rt.id, rt.grant_id, g.workspace_id, g.client_row_id, g.user_id, g.scope, rt.expires_at, rt.used_at,
                       rt.revoked_at AS token_revoked_at, g.revoked_at AS grant_revoked_at, g.resources
                FROM refresh_tokens rt JOIN grants g ON g.id = rt.grant_id
                WHERE rt.token_hash = \(bind: hash)
                """
            ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        else { return nil }
        return RefreshTokenRecord(
            id: row.id, grantID: row.grantId, workspaceID: row.workspaceId, clientRowID: row.clientRowId,
            userID: row.userId, scope: ScopeSet(stored: row.scope), expiresAt: row.expiresAt, usedAt: row.usedAt,
            revokedAt: row.tokenRevokedAt ?? row.grantRevokedAt, resources: TokenTarget.storedResources(row.resources))
    }

    func rotateRefreshToken(id: Int, grantID: Int, successor: NewRefreshToken, now: Int64) async throws -> Bool {
        try await store.writeTransaction { sql in
            // The one atomic conditional update of DESIGN.md: only the first presenter changes the row.
            let won = try await sql.raw(
                """
                UPDATE refresh_tokens SET used_at = \(bind: now)
                WHERE id = \(bind: id) AND used_at IS NULL AND revoked_at IS NULL
                  AND EXISTS (SELECT 1 FROM grants WHERE grants.id = \(bind: grantID) AND grants.revoked_at IS NULL)
                RETURNING id
                """
            ).all()
            guard !won.isEmpty else { return false }
            try await Self.insert(successor, grantID: grantID, now: now, on: sql)
            return true
        }
    }

    /// Which grants `revokeGrants` marks: one, every one of a user, every one of a client.
    enum Selection {
        case grant(Int), user(Int), client(rowID: Int)

        var condition: SQLQueryString {
            switch self {
            case .grant(let id): "id = \(bind: id)"
            case .user(let id): "user_id = \(bind: id)"
            case .client(let id): "client_row_id = \(bind: id)"
            }
        }
    }

    /// Marks the selected grants and their refresh tokens revoked, inside the caller's write transaction. (The access
    /// tokens they issued are stopped by the revocation row the caller records.)
    static func revokeGrants(_ selection: Selection, now: Int64, on sql: any SQLDatabase) async throws {
        let condition = selection.condition
        try await sql.raw(
            """
            UPDATE refresh_tokens SET revoked_at = \(bind: now)
            WHERE revoked_at IS NULL AND grant_id IN (SELECT id FROM grants WHERE \(condition))
            """
        ).run()
        try await sql.raw("UPDATE grants SET revoked_at = \(bind: now) WHERE \(condition) AND revoked_at IS NULL").run()
    }

    func revokeGrant(id: Int, now: Int64, accessTokenHorizon: Int64) async throws {
        try await store.writeTransaction { sql in
            try await Self.revokeGrants(.grant(id), now: now, on: sql)
            try await RevocationStore.insert(
                Revocation(kind: .grant, value: String(id), revokedAt: now, expiresAt: accessTokenHorizon), recordedAt: now,
                on: sql)
        }
    }
}
