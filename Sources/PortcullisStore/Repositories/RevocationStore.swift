import FluentKit
import PortcullisCore
import SQLKit

struct RevocationStore: RevocationRepository {
    let store: Store

    private struct Row: Decodable {
        let kind: String
        let target: String
        let revokedAt: Int64
        let expiresAt: Int64
    }

    /// The row, with its workspace: the one given, else the grant's, the user's or the client's (read in the same
    /// transaction, before any delete that follows).
    static func insert(_ revocation: Revocation, recordedAt: Int64, on sql: any SQLDatabase) async throws {
        let derived: SQLQueryString
        switch revocation.kind {
        case .grant: derived = "(SELECT workspace_id FROM grants WHERE id = \(bind: Int(revocation.value) ?? 0))"
        case .user:
            let userID = Int(revocation.value.split(separator: ":").first ?? "") ?? 0
            derived = "(SELECT workspace_id FROM users WHERE id = \(bind: userID))"
        case .client: derived = "(SELECT min(workspace_id) FROM clients WHERE client_id = \(bind: revocation.value))"
        case .token: derived = "NULL"
        }
        try await sql.raw(
            """
            INSERT INTO revocations (kind, target, revoked_at, expires_at, recorded_at, workspace_id)
            VALUES (\(bind: revocation.kind.rawValue), \(bind: revocation.value), \(bind: revocation.revokedAt), \
            \(bind: revocation.expiresAt), \(bind: recordedAt), COALESCE(\(bind: revocation.workspaceID), \(derived)))
            """
        ).run()
    }

    func record(_ revocation: Revocation) async throws {
        try await Self.insert(revocation, recordedAt: revocation.revokedAt, on: store.sql)
    }

    func activeRevocations(now: Int64) async throws -> [Revocation] {
        try await store.sql.raw("SELECT kind, target, revoked_at, expires_at FROM revocations WHERE expires_at > \(bind: now)")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).compactMap(Self.value)
    }

    /// Filtered on `recorded_at` alone, so the database walks the few new rows by that index: with `expires_at` in
    /// the WHERE too, SQLite chose the `expires_at` index and scanned every live revocation four times a second
    /// (docs/PERFORMANCE.md, 1M rows). Expired ones are dropped here.
    func revocations(recordedSince since: Int64, now: Int64) async throws -> [Revocation] {
        try await store.sql.raw(
            "SELECT kind, target, revoked_at, expires_at FROM revocations WHERE recorded_at >= \(bind: since)"
        ).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).filter { $0.expiresAt > now }.compactMap(Self.value)
    }

    func feed(workspaceID: Int, recordedSince since: Int64?, now: Int64) async throws -> [Revocation] {
        let mine: SQLQueryString = "(workspace_id = \(bind: workspaceID) OR workspace_id IS NULL)"
        let rows: [Row]
        if let since {
            rows = try await store.sql.raw(
                "SELECT kind, target, revoked_at, expires_at FROM revocations WHERE recorded_at >= \(bind: since) AND \(mine)"
            ).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        } else {
            rows = try await store.sql.raw(
                "SELECT kind, target, revoked_at, expires_at FROM revocations WHERE expires_at > \(bind: now) AND \(mine)"
            ).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return rows.filter { $0.expiresAt > now }.compactMap(Self.value)
    }

    private static func value(_ row: Row) -> Revocation? {
        RevocationKind(rawValue: row.kind).map {
            Revocation(kind: $0, value: row.target, revokedAt: row.revokedAt, expiresAt: row.expiresAt)
        }
    }
}
