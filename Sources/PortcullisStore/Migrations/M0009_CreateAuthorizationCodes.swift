import FluentKit

struct M0009_CreateAuthorizationCodes: AsyncMigration {
    var name: String { "M0009_CreateAuthorizationCodes" }

    func prepare(on database: any Database) async throws {
        try await database.schema("authorization_codes")
            .field("id", .int, .identifier(auto: true))
            .field("code_hash", .string, .required)
            .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("client_row_id", .int, .required, .references("clients", "id", onDelete: .cascade))
            .field("user_id", .int, .required, .references("users", "id", onDelete: .cascade))
            .field("redirect_uri", .string, .required)
            .field("redirect_uri_sent", .bool, .required)
            .field("scope", .string, .required)
            .field("code_challenge", .string)
            .field("expires_at", .int64, .required)
            .field("used_at", .int64)
            .field("replayed_at", .int64)
            .field("grant_id", .int)
            .field("created_at", .int64, .required)
            .unique(on: "code_hash")
            .create()
        try await database.createIndex("authorization_codes_expires_at", on: "authorization_codes", columns: ["expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("authorization_codes").delete()
    }
}
