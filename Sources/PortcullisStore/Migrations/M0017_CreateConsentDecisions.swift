import FluentKit

/// Issue 12: the consent decisions made, one row per decision (never per screen shown), keyed by the unique hash of
/// the screen's nonce so one consent yields one code (ConsentDecisionRepository). Purged a day after the nonce expired.
struct M0017_CreateConsentDecisions: AsyncMigration {
    var name: String { "M0017_CreateConsentDecisions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("consent_decisions")
            .field("id", .int, .identifier(auto: true))
            .field("nonce_hash", .string, .required)
            .field("workspace_id", .int, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("expires_at", .int64, .required)
            .field("used_at", .int64)
            .field("created_at", .int64, .required)
            .unique(on: "nonce_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("consent_decisions").delete()
    }
}
