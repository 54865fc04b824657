import FluentKit
import FluentSQL
import SQLKit

/// Issue 15: the APIs besides Portcullis's own that accept the workspace's tokens (RFC 8707 resource indicators), and
/// the resources each grant and authorization code is for. `resources` is a space-separated list of URIs (a resource
/// indicator has no spaces); empty for the workspace's own API, which every existing row is.
struct M0021_CreateResourceServers: AsyncMigration {
    var name: String { "M0021_CreateResourceServers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("resource_servers")
            .field("id", .int, .identifier(auto: true))
            .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("uri", .string, .required)
            .field("name", .string, .required)
            .field("scopes", .string, .required)
            .field("client_id", .string, .required)
            .field("secret_hash", .string, .required)
            .field("created_at", .int64, .required)
            .unique(on: "workspace_id", "uri")
            .unique(on: "client_id")
            .create()
        try await database.schema("grants").field("resources", .string, .required, .sql(.default(""))).update()
        try await database.schema("authorization_codes").field("resources", .string, .required, .sql(.default(""))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("authorization_codes").deleteField("resources").update()
        try await database.schema("grants").deleteField("resources").update()
        try await database.schema("resource_servers").delete()
    }
}
