import FluentKit

struct M0003_CreateClients: AsyncMigration {
    var name: String { "M0003_CreateClients" }

    func prepare(on database: any Database) async throws {
        try await database.schema("clients")
            .field("id", .int, .identifier(auto: true))
            .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("client_id", .string, .required)
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("description", .string)
            .field("website", .string)
            .field("redirect_uris", .string, .required)
            .field("grants", .int, .required)
            .field("is_confidential", .bool, .required)
            .field("secret_hash", .string)
            .field("owner_user_id", .int, .references("users", "id", onDelete: .setNull))
            .field("skip_consent", .bool, .required)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .unique(on: "client_id")
            .unique(on: "workspace_id", "name_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("clients").delete()
    }
}
