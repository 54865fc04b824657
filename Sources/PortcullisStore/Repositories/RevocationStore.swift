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

    static func insert(_ revocation: Revocation, recordedAt: Int64, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            INSERT INTO revocations (kind, target, revoked_at, expires_at, recorded_at)
            VALUES (\(bind: revocation.kind.rawValue), \(bind: revocation.value), \(bind: revocation.revokedAt), \
            \(bind: revocation.expiresAt), \(bind: recordedAt))
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

    private static func value(_ row: Row) -> Revocation? {
        RevocationKind(rawValue: row.kind).map {
            Revocation(kind: $0, value: row.target, revokedAt: row.revokedAt, expiresAt: row.expiresAt)
        }
    }
}
