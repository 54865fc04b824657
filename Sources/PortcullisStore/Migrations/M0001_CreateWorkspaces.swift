import FluentKit

struct M0001_CreateWorkspaces: AsyncMigration {
    var name: String { "M0001_CreateWorkspaces" }

    func prepare(on database: any Database) async throws {
        try await database.schema("workspaces")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("created_at", .int64, .required)
            .unique(on: "name")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("workspaces").delete()
    }
}
