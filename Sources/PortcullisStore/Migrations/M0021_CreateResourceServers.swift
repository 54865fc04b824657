import FluentKit
import FluentSQL
import SQLKit

/// Issue 15: the APIs besides Portcullis's own that accept the workspace's tokens (RFC 8707 resource indicators), and
/// the resources each grant and authorization code is for. `resources` is a space-separated list of URIs (a resource
/// indicator has no spaces); empty for the workspace's own API, which every existing row is. `scopes` and
/// `machine_clients` are JSON arrays. `revocations.workspace_id` lets the revocation feed serve each resource server
/// only its own workspace's rows; rows from before it are NULL and in every feed until they expire.
struct M0021_CreateResourceServers: AsyncMigration {
    var name: String { "M0021_CreateResourceServers" }

    func prepare(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase, sql.dialect.name == "sqlite" {
            // AUTOINCREMENT, as M0013 made users and grants: an id is never given twice, so a script that deletes by id
            // never deletes the API registered after it.
            try await sql.raw(
                """
                CREATE TABLE resource_servers (
                  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                  "workspace_id" INTEGER NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
                  "uri" TEXT NOT NULL, "name" TEXT NOT NULL, "scopes" TEXT NOT NULL, "machine_clients" TEXT NOT NULL DEFAULT '[]',
                  "client_id" TEXT NOT NULL UNIQUE, "secret_hash" TEXT NOT NULL, "created_at" INTEGER NOT NULL,
                  UNIQUE ("workspace_id", "uri"))
                """
            ).run()
        } else {
            try await database.schema("resource_servers")
                .field("id", .int, .identifier(auto: true))
                .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
                .field("uri", .string, .required)
                .field("name", .string, .required)
                .field("scopes", .string, .required)
                .field("machine_clients", .string, .required, .sql(.default("[]")))
                .field("client_id", .string, .required)
                .field("secret_hash", .string, .required)
                .field("created_at", .int64, .required)
                .unique(on: "workspace_id", "uri")
                .unique(on: "client_id")
                .create()
        }
        try await database.schema("grants").field("resources", .string, .required, .sql(.default(""))).update()
        try await database.schema("authorization_codes").field("resources", .string, .required, .sql(.default(""))).update()
        try await database.schema("revocations").field("workspace_id", .int).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("revocations").deleteField("workspace_id").update()
        try await database.schema("authorization_codes").deleteField("resources").update()
        try await database.schema("grants").deleteField("resources").update()
        try await database.schema("resource_servers").delete()
    }
}
