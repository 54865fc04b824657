import FluentKit
import PortcullisCore

/// Recomputes every `clients.name_key` as `ClientRegistration.nameKey` (the prepared display name, NFC, lowercased),
/// computed in Swift as the store now computes it. Before, the key was Swift's `lowercased()` of the name as sent, so a
/// client `Café` stored in NFD kept a key no NFC `Café` matched, and the two were registered side by side. The unique
/// index on (workspace_id, name_key) is M0003's; it now holds for the new keys. Clients that now share a key stop the
/// migration, named, as M0014 does for usernames.
struct M0018_ClientNameKeys: AsyncMigration {
    var name: String { "M0018_ClientNameKeys" }

    static let keys = RecomputeKeys(
        table: "clients", nameColumn: "name", keyColumn: "name_key", noun: "client",
        sameness: "the same under Unicode normalisation and case", key: ClientRegistration.nameKey)

    func prepare(on database: any Database) async throws { try await Self.keys.run(on: database, placeholderTag: "M0018") }
    func revert(on database: any Database) async throws { try await Self.keys.revert(on: database) }
}
