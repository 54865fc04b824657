import FluentKit

struct M0002_CreateUsers: AsyncMigration {
    var name: String { "M0002_CreateUsers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .field("id", .int, .identifier(auto: true))
            .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("uid", .string, .required)
            .field("username", .string, .required)
            .field("username_key", .string, .required)
            .field("email", .string)
            .field("first_name", .string, .required)
            .field("last_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("is_super_admin", .bool, .required)
            .field("is_active", .bool, .required)
            .field("created_at", .int64, .required)
            .field("updated_at", .int64, .required)
            .unique(on: "uid")
            .unique(on: "workspace_id", "username_key")
            .create()
        try await database.schema("user_permissions")
            .field("id", .int, .identifier(auto: true))
            .field("user_id", .int, .required, .references("users", "id", onDelete: .cascade))
            .field("permission", .string, .required)
            .unique(on: "user_id", "permission")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("user_permissions").delete()
        try await database.schema("users").delete()
    }
}
