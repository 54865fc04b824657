import FluentKit
import FluentSQL
import SQLKit

/// Each user's token version: a token carries the version its user had when it was issued, and revoking
/// everything a user holds raises the version. Exact, where comparing issue times to the second is not.
struct M0007_AddUserTokenVersion: AsyncMigration {
    var name: String { "M0007_AddUserTokenVersion" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("token_version", .int, .required, .sql(.default(0))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").deleteField("token_version").update()
    }
}
