import FluentKit
public import PortcullisCore
import SQLKit

struct SessionStore: SessionRepository {
    let store: Store

    func create(key: String, value: String, expiresAt: Int64?, now: Int64) async throws {
        do {
            try await store.sql.raw(
                """
                INSERT INTO sessions (key_hash, value, expires_at, created_at)
                VALUES (\(bind: OpaqueSecret.hash(key)), \(bind: value), \(bind: expiresAt), \(bind: now))
                """
            ).run()
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("key")
        }
    }

    func upsert(key: String, value: String, expiresAt: Int64?, now: Int64) async throws {
        try await store.sql.raw(
            """
            INSERT INTO sessions (key_hash, value, expires_at, created_at)
            VALUES (\(bind: OpaqueSecret.hash(key)), \(bind: value), \(bind: expiresAt), \(bind: now))
            ON CONFLICT (key_hash) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
            """
        ).run()
    }

    private struct Row: Decodable {
        let value: String
        let expiresAt: Int64?
    }

    func session(key: String, now: Int64) async throws -> StoredSession? {
        try await store.sql.raw(
            """
            SELECT value, expires_at FROM sessions
            WHERE key_hash = \(bind: OpaqueSecret.hash(key)) AND (expires_at IS NULL OR expires_at > \(bind: now))
            """
        ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { StoredSession(value: $0.value, expiresAt: $0.expiresAt) }
    }

    func remove(key: String) async throws {
        try await store.sql.raw("DELETE FROM sessions WHERE key_hash = \(bind: OpaqueSecret.hash(key))").run()
    }
}

extension Store {
    public var sessions: any SessionRepository { SessionStore(store: self) }
}
