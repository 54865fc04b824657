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

    /// Deletes sessions and codes that have expired, and revocations of tokens that have all expired (a day late, so a
    /// clock a little behind never brings one back); returns how many rows went. Revocations go in batches of 10,000:
    /// a long delete would hold SQLite's write lock against token requests.
    public func purgeExpired(now: Int64) async throws -> Int {
        let sessions = try await sql.raw("DELETE FROM sessions WHERE expires_at IS NOT NULL AND expires_at <= \(bind: now) RETURNING id").all()
        let codes = try await sql.raw("DELETE FROM authorization_codes WHERE expires_at <= \(bind: now - 86400) RETURNING id").all()
        var revocations = 0
        while true {
            let batch = try await sql.raw(
                """
                DELETE FROM revocations WHERE id IN
                (SELECT id FROM revocations WHERE expires_at <= \(bind: now - 86400) LIMIT 10000) RETURNING id
                """
            ).all().count
            revocations += batch
            if batch < 10000 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return sessions.count + codes.count + revocations
    }

    /// A grant is finished when no refresh token of it can be redeemed (each expired a day ago) and no access token
    /// minted from it is still live (the last was minted with its newest refresh token, or with the grant itself, more
    /// than one access-token lifetime and a day ago). Its rows serve nothing then: a redeemed or replayed expired
    /// refresh token is refused either way, and the revocations that stop its access tokens are rows of their own.
    /// Without this, every password login and every rotation would add a row for ever. It reads every grant older
    /// than the cut-off (with a refresh-token probe each), so it runs hourly, not with the minutely purge; returns how
    /// many grants went, in batches of 1,000.
    public func purgeFinishedGrants(now: Int64, accessTokenLifetime: Int64) async throws -> Int {
        let expiredBefore = now - 86400
        let mintedBefore = now - accessTokenLifetime - 86400
        let batch = 1000
        var purged = 0
        while true {
            let ids = try await sql.raw(
                """
                SELECT g.id FROM grants g WHERE g.created_at <= \(bind: mintedBefore) AND NOT EXISTS
                (SELECT 1 FROM refresh_tokens rt WHERE rt.grant_id = g.id
                 AND (rt.expires_at > \(bind: expiredBefore) OR rt.created_at > \(bind: mintedBefore)))
                LIMIT \(literal: batch)
                """
            ).all(decodingColumn: "id", as: Int.self)
            if ids.isEmpty { break }
            let binds: [any Encodable & Sendable] = ids
            // A finished grant gains no refresh token (rotation needs a live one), so the ids stay finished here.
            try await writeTransaction { sql in
                try await sql.raw("DELETE FROM refresh_tokens WHERE grant_id IN (\(binds: binds))").run()
                try await sql.raw("DELETE FROM grants WHERE id IN (\(binds: binds))").run()
            }
            purged += ids.count
            if ids.count < batch { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return purged
    }
}
