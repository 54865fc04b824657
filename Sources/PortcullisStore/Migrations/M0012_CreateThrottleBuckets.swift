import FluentKit

/// Failed-attempt counters shared by every instance (per username); keys are stored as digests.
struct M0012_CreateThrottleBuckets: AsyncMigration {
    var name: String { "M0012_CreateThrottleBuckets" }

    func prepare(on database: any Database) async throws {
        try await database.schema("throttle_buckets")
            .field("id", .int, .identifier(auto: true))
            .field("key_digest", .string, .required)
            .field("window_start", .int64, .required)
            .field("attempts", .int, .required)
            .unique(on: "key_digest")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("throttle_buckets").delete()
    }
}
