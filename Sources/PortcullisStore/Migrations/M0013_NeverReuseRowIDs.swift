import FluentKit
import SQLKit

/// SQLite gives a new row `max(id) + 1` unless the key is AUTOINCREMENT, so deleting the newest user (or grant) hands
/// its id to the next one. Ids name things beyond their rows: a session holds its user's id, an access token its
/// user's id (`sub`) and its grant's id, a revocation row names a user or a grant by id. A reused user id would sign a
/// deleted user's open browser session in as the next user, and the deleted user's revocation would kill every token
/// of the next one. AUTOINCREMENT never gives an id twice (https://sqlite.org/autoinc.html). PostgreSQL's sequences
/// never do either, so this touches SQLite only.
///
/// SQLite cannot add AUTOINCREMENT to a table; this rebuilds `users` and `grants` with it, by the procedure of
/// https://sqlite.org/lang_altertable.html#otheralter (foreign keys off, copy, drop, rename, indexes, check).
struct M0013_NeverReuseRowIDs: AsyncMigration {
    var name: String { "M0013_NeverReuseRowIDs" }

    static let tables = ["users", "grants"]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        // PRAGMA foreign_keys is per connection and ignored inside a transaction: everything below on one connection.
        try await database.withConnection { connection in
            let sql = connection as! any SQLDatabase
            try await sql.raw("PRAGMA foreign_keys = OFF").run()
            do {
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    for table in Self.tables { try await Self.rebuild(table, on: sql) }
                    // Only rows that point at a missing parent (possibly there before, written with foreign keys off).
                    let broken = try await sql.raw("PRAGMA foreign_key_check").all()
                    if let row = broken.first {
                        let table = (try? row.decode(column: "table", as: String.self)) ?? "?"
                        let rowid = (try? row.decode(column: "rowid", as: Int?.self)).flatMap { $0 }.map(String.init) ?? "?"
                        let parent = (try? row.decode(column: "parent", as: String.self)) ?? "?"
                        throw StoreError.migration(
                            "\(broken.count) row(s) point at a missing parent row, first \(table) rowid \(rowid) (parent table \(parent)); "
                                + "fix or delete them with sqlite3, then start again")
                    }
                    try await sql.raw("COMMIT").run()
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            } catch {
                try? await sql.raw("PRAGMA foreign_keys = ON").run()
                throw error
            }
            try await sql.raw("PRAGMA foreign_keys = ON").run()
            // This connection goes back to the pool: it must enforce foreign keys (cascades) like the others.
            guard try await sql.raw("PRAGMA foreign_keys").first(decodingColumn: "foreign_keys", as: Int.self) == 1 else {
                throw StoreError.migration("foreign keys stayed off on a database connection")
            }
        }
    }

    /// Rebuilds `table` with `id INTEGER PRIMARY KEY AUTOINCREMENT`, keeping every column, row and index.
    static func rebuild(_ table: String, on sql: any SQLDatabase) async throws {
        guard
            let create = try await sql.raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = \(bind: table)")
                .first(decodingColumn: "sql", as: String.self)
        else { throw StoreError.migration("no table \(table)") }
        if create.contains("AUTOINCREMENT") { return }
        let key = "\"id\" INTEGER PRIMARY KEY"
        let head = "CREATE TABLE \"\(table)\""
        guard create.hasPrefix(head), create.components(separatedBy: key).count == 2 else {
            throw StoreError.migration("unexpected definition of \(table)")
        }
        let rebuilt = "\(table)_rebuilt"
        let definition = "CREATE TABLE \"\(rebuilt)\"" + create.dropFirst(head.count).replacingOccurrences(of: key, with: key + " AUTOINCREMENT")
        let indexes = try await sql.raw(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = \(bind: table) AND sql IS NOT NULL"
        ).all(decodingColumn: "sql", as: String.self)
        try await sql.raw(SQLQueryString(definition)).run()
        try await sql.raw(SQLQueryString("INSERT INTO \"\(unsafeRaw: rebuilt)\" SELECT * FROM \"\(unsafeRaw: table)\"")).run()
        try await sql.raw(SQLQueryString("DROP TABLE \"\(unsafeRaw: table)\"")).run()
        try await sql.raw(SQLQueryString("ALTER TABLE \"\(unsafeRaw: rebuilt)\" RENAME TO \"\(unsafeRaw: table)\"")).run()
        for index in indexes { try await sql.raw(SQLQueryString(index)).run() }
        // Ids deleted before this migration may still be named elsewhere (revocations, audit rows, codes); start above
        // them too.
        let named: SQLQueryString =
            table == "users"
            ? """
            SELECT MAX(n) AS n FROM (
            SELECT MAX(CAST(substr(target, 1, instr(target, ':') - 1) AS INTEGER)) AS n FROM revocations WHERE kind = 'user'
            UNION ALL SELECT MAX(user_id) FROM audit_events)
            """
            : """
            SELECT MAX(n) AS n FROM (
            SELECT MAX(CAST(target AS INTEGER)) AS n FROM revocations WHERE kind = 'grant'
            UNION ALL SELECT MAX(grant_id) FROM authorization_codes)
            """
        func number(_ query: SQLQueryString) async throws -> Int {
            let row = try await sql.raw(query).first(decodingColumn: "n", as: Int?.self)
            return (row ?? nil) ?? 0
        }
        let highest = max(try await number(SQLQueryString("SELECT MAX(id) AS n FROM \"\(unsafeRaw: table)\"")), try await number(named))
        try await sql.raw("DELETE FROM sqlite_sequence WHERE name = \(bind: table)").run()
        try await sql.raw("INSERT INTO sqlite_sequence (name, seq) VALUES (\(bind: table), \(bind: highest))").run()
    }

    func revert(on database: any Database) async throws {
        // Nothing to undo: AUTOINCREMENT changes no column and no row.
    }
}
