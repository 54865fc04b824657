import FluentKit
import PortcullisCore
import SQLKit

/// Recomputes every `users.username_key` as the RFC 8265 §3.3 comparison key (width-mapped, Unicode lowercase, NFC;
/// `PRECIS.usernameKey`), computed in Swift as the stores now compute it. Before, the key was Swift's `lowercased()`
/// alone, so `admin`, `ａｄｍｉｎ` and `café` in NFC and in NFD were different accounts. The unique index on
/// (workspace_id, username_key) is M0002's; it now holds for the new keys.
///
/// If two accounts of a workspace now share a key, they were look-alikes all along: the migration stops with a
/// `StoreError` naming them, for an administrator to rename one (sign-in would otherwise pick one of them).
struct M0014_PRECISUsernameKeys: AsyncMigration {
    var name: String { "M0014_PRECISUsernameKeys" }

    private struct Row: Decodable {
        let id: Int
        let workspace_id: Int
        let username: String
        let username_key: String
    }

    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            let sql = database as! any SQLDatabase
            let rows = try await sql.raw("SELECT id, workspace_id, username, username_key FROM users ORDER BY id").all(decoding: Row.self)
            let keyed = rows.map { (row: $0, key: PRECIS.usernameKey($0.username)) }
            let collisions = Dictionary(grouping: keyed, by: { "\($0.row.workspace_id)\u{1F}\($0.key)" }).values.filter { $0.count > 1 }
            if !collisions.isEmpty {
                let named = collisions.sorted { $0[0].row.id < $1[0].row.id }.map { group in
                    "workspace \(group[0].row.workspace_id): "
                        + group.map { "user id \($0.row.id) (\(Self.visible($0.row.username)))" }.joined(separator: ", ")
                }
                throw StoreError.migration(
                    "usernames that are the same under RFC 8265 (width, case and Unicode normalisation): \(named.joined(separator: "; ")); "
                        + "rename all but one with the previous version, then start again")
            }
            // Bytes, not String ==: a key in NFD is canonically equal to its NFC form but not the same column value.
            let changed = keyed.filter { !Array($0.key.utf8).elementsEqual($0.row.username_key.utf8) }
            // Two passes through unique placeholders, so no intermediate state breaks the unique index (one row's new key
            // may be another's old one).
            for entry in changed {
                try await sql.raw("UPDATE users SET username_key = \(bind: "\u{1}M0014:\(entry.row.id)") WHERE id = \(bind: entry.row.id)").run()
            }
            for entry in changed {
                try await sql.raw("UPDATE users SET username_key = \(bind: entry.key) WHERE id = \(bind: entry.row.id)").run()
            }
        }
    }

    /// A username for an error message: invisible and control characters shown as U+XXXX.
    static func visible(_ username: String) -> String {
        username.unicodeScalars.map { scalar in
            scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F
                ? String(scalar) : "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        }.joined()
    }

    func revert(on database: any Database) async throws {
        // The old keys are lost; lowercased() of the username is what M0002's writers stored.
        let sql = database as! any SQLDatabase
        let rows = try await sql.raw("SELECT id, workspace_id, username, username_key FROM users").all(decoding: Row.self)
        for row in rows {
            try await sql.raw("UPDATE users SET username_key = \(bind: row.username.lowercased()) WHERE id = \(bind: row.id)").run()
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
