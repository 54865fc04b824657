import FluentKit
public import PortcullisCore
import SQLKit

struct PersonalTokenStore: PersonalTokenRepository {
    let store: Store

    private struct Row: Decodable {
        let id: Int
        let workspaceId: Int
        let userId: Int
        let clientRowId: Int
        let name: String
        let scope: String
        let tokenId: String
        let createdAt: Int64
        let updatedAt: Int64
        let expiresAt: Int64
        let lastUsedAt: Int64?
        let revokedAt: Int64?

        var value: PersonalTokenRecord {
            PersonalTokenRecord(
                id: id, workspaceID: workspaceId, userID: userId, clientRowID: clientRowId, name: name,
                scope: ScopeSet(stored: scope), tokenID: tokenId, createdAt: createdAt, updatedAt: updatedAt,
                expiresAt: expiresAt, lastUsedAt: lastUsedAt, revokedAt: revokedAt)
        }
    }

    private static let columns: SQLQueryString =
        "id, workspace_id, user_id, client_row_id, name, scope, token_id, created_at, updated_at, expires_at, last_used_at, revoked_at"

    func create(
        workspaceID: Int, userID: Int, clientRowID: Int, name: String, scope: ScopeSet, tokenID: String, expiresAt: Int64, now: Int64
    ) async throws -> PersonalTokenRecord {
        guard
            let row = try await store.sql.raw(
                """
                INSERT INTO personal_access_tokens (workspace_id, user_id, client_row_id, name, scope, token_id, created_at, updated_at, expires_at)
                VALUES (\(bind: workspaceID), \(bind: userID), \(bind: clientRowID), \(bind: name), \(bind: scope.description), \(bind: tokenID), \
                \(bind: now), \(bind: now), \(bind: expiresAt))
                RETURNING \(Self.columns)
                """
            ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        else { throw RepositoryError.notFound }
        return row.value
    }

    func tokens(userID: Int) async throws -> [PersonalTokenRecord] {
        try await store.sql.raw("SELECT \(Self.columns) FROM personal_access_tokens WHERE user_id = \(bind: userID) ORDER BY created_at DESC, id DESC")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.value)
    }

    func token(id: Int) async throws -> PersonalTokenRecord? {
        try await store.sql.raw("SELECT \(Self.columns) FROM personal_access_tokens WHERE id = \(bind: id)")
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)?.value
    }

    func revoke(id: Int, revocation: Revocation, now: Int64) async throws {
        try await store.writeTransaction { sql in
            try await sql.raw(
                "UPDATE personal_access_tokens SET revoked_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: id) AND revoked_at IS NULL"
            ).run()
            try await RevocationStore.insert(revocation, recordedAt: now, on: sql)
        }
    }

    func recordUse(_ uses: [Int: Int64]) async throws {
        guard !uses.isEmpty else { return }
        try await store.writeTransaction { sql in
            for (id, at) in uses {
                try await sql.raw(
                    """
                    UPDATE personal_access_tokens SET last_used_at = \(bind: at)
                    WHERE id = \(bind: id) AND (last_used_at IS NULL OR last_used_at < \(bind: at))
                    """
                ).run()
            }
        }
    }
}

struct WorkspaceSettingsStore: WorkspaceSettingsRepository {
    let store: Store

    func maximumPersonalTokenDays(workspaceID: Int) async throws -> Int? {
        try await store.sql.raw("SELECT max_personal_token_days FROM workspaces WHERE id = \(bind: workspaceID)")
            .first(decodingColumn: "max_personal_token_days", as: Int?.self) ?? nil
    }

    func setMaximumPersonalTokenDays(_ days: Int?, workspaceID: Int) async throws {
        try await store.sql.raw("UPDATE workspaces SET max_personal_token_days = \(bind: days) WHERE id = \(bind: workspaceID)").run()
    }
}

extension Store {
    public var personalTokens: any PersonalTokenRepository { PersonalTokenStore(store: self) }
    public var workspaceSettings: any WorkspaceSettingsRepository { WorkspaceSettingsStore(store: self) }
}
