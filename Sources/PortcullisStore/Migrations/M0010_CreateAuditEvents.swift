import FluentKit

struct M0010_CreateAuditEvents: AsyncMigration {
    var name: String { "M0010_CreateAuditEvents" }

    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .field("id", .int, .identifier(auto: true))
            .field("workspace_id", .int)
            .field("kind", .string, .required)
            .field("user_id", .int)
            .field("subject", .string)
            .field("address", .string)
            .field("created_at", .int64, .required)
            .create()
        try await database.createIndex("audit_events_workspace_created", on: "audit_events", columns: ["workspace_id", "created_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_events").delete()
    }
}
