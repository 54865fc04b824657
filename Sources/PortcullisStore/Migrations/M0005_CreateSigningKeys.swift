import FluentKit

struct M0005_CreateSigningKeys: AsyncMigration {
    var name: String { "M0005_CreateSigningKeys" }

    func prepare(on database: any Database) async throws {
        try await database.schema("signing_keys")
            .field("id", .int, .identifier(auto: true))
            .field("kid", .string, .required)
            .field("algorithm", .string, .required)
            .field("sealed_private_key", .string, .required)
            .field("state", .string, .required)
            .field("created_at", .int64, .required)
            .field("publish_until", .int64)
            .unique(on: "kid")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("signing_keys").delete()
    }
}
