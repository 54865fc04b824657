import FluentKit
import PortcullisCore
import SQLKit

/// Recomputes every `clients.name_key` as `ClientRegistration.nameKey` (the prepared display name, NFC, lowercased),
/// computed in Swift as the store now computes it. Before, the key was Swift's `lowercased()` of the name as sent, so a
/// client `Café` stored in NFD kept a key no NFC `Café` matched, and the two were registered side by side. The unique
/// index on (workspace_id, name_key) is M0003's; it now holds for the new keys.
///
/// If two clients of a workspace now share a key, they were look-alikes all along: the migration stops with a
/// `StoreError` naming them, for an administrator to rename one (as M0014 does for usernames).
struct M0018_ClientNameKeys: AsyncMigration {
    var name: String { "M0018_ClientNameKeys" }

    private struct Row: Decodable {
        let id: Int
        let workspace_id: Int
        let name: String
        let name_key: String
    }

    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            let sql = database as! any SQLDatabase
            let rows = try await sql.raw("SELECT id, workspace_id, name, name_key FROM clients ORDER BY id").all(decoding: Row.self)
            let keyed = rows.map { (row: $0, key: ClientRegistration.nameKey($0.name)) }
            // Grouped by the key's bytes: a Swift String key would call canonical equivalents one key anyway.
            let collisions = Dictionary(grouping: keyed, by: { "\($0.row.workspace_id)\u{1F}\($0.key.unicodeScalars.map { String($0.value, radix: 16) })" })
                .values.filter { $0.count > 1 }
            if !collisions.isEmpty {
                let named = collisions.sorted { $0[0].row.id < $1[0].row.id }.map { group in
                    "workspace \(group[0].row.workspace_id): "
                        + group.map { "client id \($0.row.id) (\(M0014_PRECISUsernameKeys.visible($0.row.name)))" }.joined(separator: ", ")
                }
                throw StoreError.migration(
                    "client names that are the same under Unicode normalisation and case: \(named.joined(separator: "; ")); "
                        + "rename all but one with the previous version, then start again")
            }
            // Bytes, not String ==: a key in NFD is canonically equal to its NFC form but not the same column value.
            let changed = keyed.filter { !Array($0.key.utf8).elementsEqual($0.row.name_key.utf8) }
            // Two passes through unique placeholders, so no intermediate state breaks the unique index (one row's new key
            // may be another's old one).
            for entry in changed {
                try await sql.raw("UPDATE clients SET name_key = \(bind: "\u{1}M0018:\(entry.row.id)") WHERE id = \(bind: entry.row.id)").run()
            }
            for entry in changed {
                try await sql.raw("UPDATE clients SET name_key = \(bind: entry.key) WHERE id = \(bind: entry.row.id)").run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        // The old keys are lost; lowercased() of the name is what the writers before this migration stored.
        let sql = database as! any SQLDatabase
        let rows = try await sql.raw("SELECT id, workspace_id, name, name_key FROM clients").all(decoding: Row.self)
        for row in rows {
            try await sql.raw("UPDATE clients SET name_key = \(bind: row.name.lowercased()) WHERE id = \(bind: row.id)").run()
        }
    }
}
