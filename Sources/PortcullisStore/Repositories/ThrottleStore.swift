import FluentKit
public import PortcullisCore
import SQLKit

struct ThrottleStore: ThrottleRepository {
    let store: Store

    private struct Row: Decodable {
        let attempts: Int
        let windowStart: Int64
    }

    func increment(_ digest: String, kind: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64) {
        // One statement, atomic on both databases: a new window starts when the old one is over.
        let expired = now - window
        guard
            let row = try await store.sql.raw(
                """
                INSERT INTO throttle_buckets (key_digest, kind, window_start, attempts) VALUES (\(bind: digest), \(bind: kind), \(bind: now), 1)
                ON CONFLICT (key_digest) DO UPDATE SET
                  kind = \(bind: kind),
                  attempts = CASE WHEN throttle_buckets.window_start <= \(bind: expired) THEN 1 ELSE throttle_buckets.attempts + 1 END,
                  window_start = CASE WHEN throttle_buckets.window_start <= \(bind: expired) THEN \(bind: now) ELSE throttle_buckets.window_start END
                RETURNING attempts, window_start
                """
            ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        else { throw RepositoryError.notFound }
        return (row.attempts, row.windowStart)
    }

    func decrement(_ digest: String, windowStart: Int64) async throws {
        try await store.sql.raw(
            """
            UPDATE throttle_buckets SET attempts = attempts - 1
            WHERE key_digest = \(bind: digest) AND window_start = \(bind: windowStart) AND attempts > 0
            """
        ).run()
    }

    func count(_ digest: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64)? {
        try await store.sql.raw(
            "SELECT attempts, window_start FROM throttle_buckets WHERE key_digest = \(bind: digest) AND window_start > \(bind: now - window)"
        ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { ($0.attempts, $0.windowStart) }
    }

    private struct FullRow: Decodable {
        let keyDigest: String
        let attempts: Int
        let windowStart: Int64
    }

    func full(kind: String, attempts: Int, now: Int64, window: Int64) async throws -> [(digest: String, count: Int, windowStart: Int64)] {
        // By the (kind, attempts) index: the few full rows, however many keys are counting.
        try await store.sql.raw(
            """
            SELECT key_digest, attempts, window_start FROM throttle_buckets
            WHERE kind = \(bind: kind) AND attempts >= \(bind: attempts) AND window_start > \(bind: now - window)
            """
        ).all(decoding: FullRow.self, keyDecodingStrategy: .convertFromSnakeCase).map { ($0.keyDigest, $0.attempts, $0.windowStart) }
    }

    func purge(before: Int64) async throws {
        try await store.sql.raw("DELETE FROM throttle_buckets WHERE window_start < \(bind: before)").run()
    }
}

extension Store {
    public var throttle: any ThrottleRepository { ThrottleStore(store: self) }
}
