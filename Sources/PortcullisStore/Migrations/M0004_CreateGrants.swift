import FluentKit

struct M0004_CreateGrants: AsyncMigration {
    var name: String { "M0004_CreateGrants" }

    func prepare(on database: any Database) async throws {
        try await database.schema("grants")
            .field("id", .int, .identifier(auto: true))
            .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("client_row_id", .int, .required, .references("clients", "id", onDelete: .cascade))
            .field("user_id", .int, .references("users", "id", onDelete: .cascade))
            .field("scope", .string, .required)
            .field("grant_type", .string, .required)
            .field("created_at", .int64, .required)
            .field("revoked_at", .int64)
            .create()
        try await database.createIndex("grants_client_row_id", on: "grants", columns: ["client_row_id"])
        try await database.createIndex("grants_user_id", on: "grants", columns: ["user_id"])
        try await database.schema("refresh_tokens")
            .field("id", .int, .identifier(auto: true))
            .field("grant_id", .int, .required, .references("grants", "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("parent_id", .int)
            .field("expires_at", .int64, .required)
            .field("used_at", .int64)
            .field("revoked_at", .int64)
            .field("created_at", .int64, .required)
            .unique(on: "token_hash")
            .create()
        try await database.createIndex("refresh_tokens_grant_id", on: "refresh_tokens", columns: ["grant_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("refresh_tokens").delete()
        try await database.schema("grants").delete()
    }
}
