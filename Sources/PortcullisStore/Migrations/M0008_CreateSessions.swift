import FluentKit

/// Browser sessions for the session middleware. The key is stored as its SHA-256: the database never holds a
/// session id a thief could replay.
struct M0008_CreateSessions: AsyncMigration {
    var name: String { "M0008_CreateSessions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("sessions")
            .field("id", .int, .identifier(auto: true))
            .field("key_hash", .string, .required)
            .field("value", .string, .required)
            .field("expires_at", .int64)
            .field("created_at", .int64, .required)
            .unique(on: "key_hash")
            .create()
        try await database.createIndex("sessions_expires_at", on: "sessions", columns: ["expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sessions").delete()
    }
}
