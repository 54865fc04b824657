import Foundation
import Hummingbird
import PortcullisCore
import SQLKit

/// The session middleware's storage, in the database: sessions survive a restart and every instance sees them.
/// Keys are stored as SHA-256 hashes.
public struct SessionPersistDriver: PersistDriver {
    let store: Store
    let clock: @Sendable () -> Int64

    public init(store: Store, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.clock = clock
    }

    private func expiry(_ expires: Duration?) -> Int64? { expires.map { clock() + $0.components.seconds } }

    public func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        do {
            try await store.sql.raw(
                """
                INSERT INTO sessions (key_hash, value, expires_at, created_at)
                VALUES (\(bind: OpaqueSecret.hash(key)), \(bind: json), \(bind: expiry(expires)), \(bind: clock()))
                """
            ).run()
        } catch where error.isUniqueViolation {
            throw PersistError.duplicate
        }
    }

    public func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        try await store.sql.raw(
            """
            INSERT INTO sessions (key_hash, value, expires_at, created_at)
            VALUES (\(bind: OpaqueSecret.hash(key)), \(bind: json), \(bind: expiry(expires)), \(bind: clock()))
            ON CONFLICT (key_hash) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
            """
        ).run()
    }

    private struct Row: Decodable {
        let value: String
        let expiresAt: Int64?
    }

    public func getWithTTL<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        let now = clock()
        guard
            let row = try await store.sql.raw(
                """
                SELECT value, expires_at FROM sessions
                WHERE key_hash = \(bind: OpaqueSecret.hash(key)) AND (expires_at IS NULL OR expires_at > \(bind: now))
                """
            ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        else { return nil }
        do {
            let object = try JSONDecoder().decode(Object.self, from: Data(row.value.utf8))
            return (object, row.expiresAt.map { .seconds($0 - now) })
        } catch {
            throw PersistError.invalidConversion
        }
    }

    public func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: type)?.object
    }

    public func remove(key: String) async throws {
        try await store.sql.raw("DELETE FROM sessions WHERE key_hash = \(bind: OpaqueSecret.hash(key))").run()
    }
}

extension Store {
    public var authorizationCodes: any AuthorizationCodeRepository { AuthorizationCodeStore(store: self) }
    public var audit: any AuditRepository { AuditStore(store: self) }
}
