import FluentKit
import SQLKit

/// Recomputes a comparison-key column from the name column beside it, in Swift, for the migrations that change how a
/// key is computed (M0014 usernames, M0018 client names). Rows whose new keys collide within a workspace were
/// look-alikes all along: the migration stops with a `StoreError` naming them, for an administrator to rename one.
struct RecomputeKeys {
    let table: String
    let nameColumn: String
    let keyColumn: String
    /// "user", "client": how an error names a row.
    let noun: String
    /// Why two names are now one, for the error: "the same under RFC 8265 (width, case and Unicode normalisation)".
    let sameness: String
    let key: @Sendable (String) -> String

    private struct Row: Decodable {
        let id: Int
        let workspaceID: Int
        let name: String
        let key: String

        enum CodingKeys: String, CodingKey {
            case id, name, key
            case workspaceID = "workspace_id"
        }
    }

    func run(on database: any Database, placeholderTag: String) async throws {
        try await database.transaction { database in
            let sql = database as! any SQLDatabase
            let rows = try await sql.raw(
                "SELECT id, workspace_id, \(unsafeRaw: nameColumn) AS name, \(unsafeRaw: keyColumn) AS key FROM \(unsafeRaw: table) ORDER BY id"
            ).all(decoding: Row.self)
            let keyed = rows.map { (row: $0, key: key($0.name)) }
            // Grouped by the key's bytes: a Swift String key would call canonical equivalents one key anyway.
            let collisions = Dictionary(grouping: keyed, by: { "\($0.row.workspaceID)\u{1F}\(Array($0.key.utf8))" }).values.filter { $0.count > 1 }
            if !collisions.isEmpty {
                let named = collisions.sorted { $0[0].row.id < $1[0].row.id }.map { group in
                    "workspace \(group[0].row.workspaceID): "
                        + group.map { "\(noun) id \($0.row.id) (\(Self.visible($0.row.name)))" }.joined(separator: ", ")
                }
                throw StoreError.migration(
                    "\(noun) names that are \(sameness): \(named.joined(separator: "; ")); rename all but one with the previous version, then start again")
            }
            // Bytes, not String ==: a key in NFD is canonically equal to its NFC form but not the same column value.
            let changed = keyed.filter { !Array($0.key.utf8).elementsEqual($0.row.key.utf8) }
            // Two passes through unique placeholders, so no intermediate state breaks the unique index (one row's new key
            // may be another's old one).
            for entry in changed {
                try await sql.raw(
                    "UPDATE \(unsafeRaw: table) SET \(unsafeRaw: keyColumn) = \(bind: "\u{1}\(placeholderTag):\(entry.row.id)") WHERE id = \(bind: entry.row.id)"
                ).run()
            }
            for entry in changed {
                try await sql.raw("UPDATE \(unsafeRaw: table) SET \(unsafeRaw: keyColumn) = \(bind: entry.key) WHERE id = \(bind: entry.row.id)").run()
            }
        }
    }

    /// Back to `lowercased()` of the name, what the writers before these migrations stored (the old keys are lost).
    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let rows = try await sql.raw(
            "SELECT id, workspace_id, \(unsafeRaw: nameColumn) AS name, \(unsafeRaw: keyColumn) AS key FROM \(unsafeRaw: table)"
        ).all(decoding: Row.self)
        for row in rows {
            try await sql.raw("UPDATE \(unsafeRaw: table) SET \(unsafeRaw: keyColumn) = \(bind: row.name.lowercased()) WHERE id = \(bind: row.id)").run()
        }
    }

    /// A name for an error message: invisible and control characters shown as U+XXXX.
    static func visible(_ name: String) -> String {
        name.unicodeScalars.map { scalar in
            guard !(scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F) else { return String(scalar) }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }.joined()
    }
}
