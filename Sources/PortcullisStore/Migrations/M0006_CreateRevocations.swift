import FluentKit

struct M0006_CreateRevocations: AsyncMigration {
    var name: String { "M0006_CreateRevocations" }

    func prepare(on database: any Database) async throws {
        try await database.schema("revocations")
            .field("id", .int, .identifier(auto: true))
            .field("kind", .string, .required)
            .field("target", .string, .required)
            .field("revoked_at", .int64, .required)
            .field("expires_at", .int64, .required)
            .field("recorded_at", .int64, .required)
            .create()
        try await database.createIndex("revocations_recorded_at", on: "revocations", columns: ["recorded_at"])
        try await database.createIndex("revocations_expires_at", on: "revocations", columns: ["expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("revocations").delete()
    }
}
