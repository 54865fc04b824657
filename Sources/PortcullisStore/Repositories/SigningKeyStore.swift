import FluentKit
import PortcullisCore
import SQLKit

struct SigningKeyStore: SigningKeyRepository {
    let store: Store

    private struct Row: Decodable {
        let kid: String
        let algorithm: String
        let sealedPrivateKey: String
        let state: String
        let createdAt: Int64
        let publishUntil: Int64?
    }

    private static func value(_ row: Row) -> StoredSigningKey? {
        guard let algorithm = SigningAlgorithm(rawValue: row.algorithm), let state = StoredSigningKey.State(rawValue: row.state)
        else { return nil }
        return StoredSigningKey(
            kid: row.kid, algorithm: algorithm, sealedPrivateKey: row.sealedPrivateKey, state: state, createdAt: row.createdAt,
            publishUntil: row.publishUntil)
    }

    func publishedKeys(now: Int64) async throws -> [StoredSigningKey] {
        try await store.sql.raw(
            """
            SELECT kid, algorithm, sealed_private_key, state, created_at, publish_until FROM signing_keys
            WHERE state = 'active' OR (state = 'retired' AND publish_until > \(bind: now)) ORDER BY created_at DESC, id DESC
            """
        ).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).compactMap(Self.value)
    }

    func allKeys() async throws -> [StoredSigningKey] {
        try await store.sql.raw(
            "SELECT kid, algorithm, sealed_private_key, state, created_at, publish_until FROM signing_keys ORDER BY created_at DESC, id DESC"
        ).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).compactMap(Self.value)
    }

    private func insert(_ key: StoredSigningKey, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            INSERT INTO signing_keys (kid, algorithm, sealed_private_key, state, created_at, publish_until)
            VALUES (\(bind: key.kid), \(bind: key.algorithm.rawValue), \(bind: key.sealedPrivateKey), 'active', \
            \(bind: key.createdAt), NULL)
            """
        ).run()
    }

    func activate(_ key: StoredSigningKey, retiredPublishUntil: Int64, now: Int64) async throws {
        let postgres = store.isPostgres
        try await store.writeTransaction { sql in
            if postgres { try await sql.raw("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE").run() }
            try await sql.raw(
                "UPDATE signing_keys SET state = 'retired', publish_until = \(bind: retiredPublishUntil) WHERE state = 'active'"
            ).run()
            try await insert(key, on: sql)
        }
    }

    func activateFirst(_ key: StoredSigningKey) async throws -> Bool {
        let postgres = store.isPostgres
        return try await store.writeTransaction { sql in
            if postgres { try await sql.raw("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE").run() }
            let active =
                try await sql.raw("SELECT COUNT(*) AS n FROM signing_keys WHERE state = 'active'")
                .first(decodingColumn: "n", as: Int.self) ?? 0
            guard active == 0 else { return false }
            try await insert(key, on: sql)
            return true
        }
    }
}
