import FluentKit
import FluentSQL
import SQLKit

/// Personal access tokens' rows (the tokens themselves are JWTs, never stored), and each workspace's optional
/// limit on their lifetime.
struct M0011_CreatePersonalAccessTokens: AsyncMigration {
    var name: String { "M0011_CreatePersonalAccessTokens" }

    func prepare(on database: any Database) async throws {
        try await database.schema("personal_access_tokens")
            .field("id", .int, .identifier(auto: true))
            .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("user_id", .int, .required, .references("users", "id", onDelete: .cascade))
            .field("client_row_id", .int, .required, .references("clients", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("scope", .string, .required)
            .field("token_id", .string, .required)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .field("expires_at", .int64, .required)
            .field("last_used_at", .int64)
            .field("revoked_at", .int64)
            .unique(on: "token_id")
            .create()
        try await database.createIndex("personal_access_tokens_user_id", on: "personal_access_tokens", columns: ["user_id"])
        try await database.schema("workspaces").field("max_personal_token_days", .int).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("workspaces").deleteField("max_personal_token_days").update()
        try await database.schema("personal_access_tokens").delete()
    }
}
