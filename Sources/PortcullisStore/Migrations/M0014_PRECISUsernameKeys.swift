import FluentKit
import PortcullisCore

/// Recomputes every `users.username_key` as the RFC 8265 §3.3 comparison key (width-mapped, Unicode lowercase, NFC,
/// then the look-alike skeleton; `PRECIS.usernameKey`), computed in Swift as the stores now compute it. Before, the key
/// was Swift's `lowercased()` alone, so `admin`, `ａｄｍｉｎ` and `café` in NFC and in NFD were different accounts. The
/// unique index on (workspace_id, username_key) is M0002's; it now holds for the new keys. Accounts that now share a
/// key stop the migration, named (sign-in would otherwise pick one of them).
struct M0014_PRECISUsernameKeys: AsyncMigration {
    var name: String { "M0014_PRECISUsernameKeys" }

    static let keys = RecomputeKeys(
        table: "users", nameColumn: "username", keyColumn: "username_key", noun: "user",
        sameness: "the same under RFC 8265 (width, case and Unicode normalisation) or look alike", key: PRECIS.usernameKey)

    func prepare(on database: any Database) async throws { try await Self.keys.run(on: database, placeholderTag: "M0014") }
    func revert(on database: any Database) async throws { try await Self.keys.revert(on: database) }
}
