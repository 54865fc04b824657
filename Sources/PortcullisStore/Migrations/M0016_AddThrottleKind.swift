import FluentKit
import FluentSQL
import SQLKit

/// Issue 12: throttle counters per (username, address) and per address join the per-username ones in
/// `throttle_buckets`. Keys are digests, so each row says its kind: the mirror loop reads the full address rows four
/// times a second (`kind = 'address' AND attempts >= limit`), by the index. Rows from before are username counters and
/// live one window; they get the empty kind, which the mirror never reads.
struct M0016_AddThrottleKind: AsyncMigration {
    var name: String { "M0016_AddThrottleKind" }

    func prepare(on database: any Database) async throws {
        try await database.schema("throttle_buckets").field("kind", .string, .required, .sql(.default(""))).update()
        try await database.createIndex("throttle_buckets_kind_attempts", on: "throttle_buckets", columns: ["kind", "attempts"])
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase { try await sql.drop(index: "throttle_buckets_kind_attempts").run() }
        try await database.schema("throttle_buckets").deleteField("kind").update()
    }
}
