import FluentKit
import SQLKit

/// Issue 14: the change feed the user and client mirrors follow. Every instance keeps the users and clients it has
/// read in memory (so checking a token never reads the database) and drops an entry when a row of this table names
/// it. Triggers write the rows, so every write path, the CLI's and any later one, is covered without remembering to:
/// users (update, delete), their permissions (insert, delete), clients (update, delete). Inserts of users and clients
/// need no row, since nothing can have cached them. `recorded_at` is the database's clock, in seconds; the mirror's
/// cursor is made of these values only, so an instance whose clock is off misses nothing. Purged after an hour.
struct M0019_CreateMirrorChanges: AsyncMigration {
    var name: String { "M0019_CreateMirrorChanges" }

    /// What a change names, and from which table and column the trigger takes its id.
    static let sources: [(kind: String, table: String, idColumn: String, events: [String])] = [
        ("user", "users", "id", ["UPDATE", "DELETE"]),
        ("user", "user_permissions", "user_id", ["INSERT", "DELETE"]),
        ("client", "clients", "id", ["UPDATE", "DELETE"]),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema("mirror_changes")
            .field("id", .int, .identifier(auto: true))
            .field("kind", .string, .required)
            .field("target", .int, .required)
            .field("recorded_at", .int64, .required)
            .create()
        try await database.createIndex("mirror_changes_recorded_at", on: "mirror_changes", columns: ["recorded_at"])
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name != "sqlite" {
            for source in Self.sources {
                let function = "mirror_\(source.table)_changed"
                try await sql.raw(
                    """
                    CREATE FUNCTION \(unsafeRaw: function)() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      INSERT INTO mirror_changes (kind, target, recorded_at)
                      VALUES ('\(unsafeRaw: source.kind)', CASE WHEN TG_OP = 'DELETE' THEN OLD.\(unsafeRaw: source.idColumn) \
                    ELSE NEW.\(unsafeRaw: source.idColumn) END, EXTRACT(EPOCH FROM clock_timestamp())::bigint);
                      RETURN NULL;
                    END $$
                    """
                ).run()
                try await sql.raw(
                    """
                    CREATE TRIGGER \(unsafeRaw: function) AFTER \(unsafeRaw: source.events.joined(separator: " OR ")) \
                    ON \(unsafeRaw: source.table) FOR EACH ROW EXECUTE FUNCTION \(unsafeRaw: function)()
                    """
                ).run()
            }
        } else {
            for source in Self.sources {
                for event in source.events {
                    let row = event == "DELETE" ? "OLD" : "NEW"
                    try await sql.raw(
                        """
                        CREATE TRIGGER mirror_\(unsafeRaw: source.table)_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: event) \
                        ON \(unsafeRaw: source.table) BEGIN
                          INSERT INTO mirror_changes (kind, target, recorded_at)
                          VALUES ('\(unsafeRaw: source.kind)', \(unsafeRaw: row).\(unsafeRaw: source.idColumn), CAST(strftime('%s', 'now') AS INTEGER));
                        END
                        """
                    ).run()
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for source in Self.sources {
                if sql.dialect.name != "sqlite" {
                    try await sql.raw("DROP TRIGGER IF EXISTS mirror_\(unsafeRaw: source.table)_changed ON \(unsafeRaw: source.table)").run()
                    try await sql.raw("DROP FUNCTION IF EXISTS mirror_\(unsafeRaw: source.table)_changed()").run()
                } else {
                    for event in source.events {
                        try await sql.raw("DROP TRIGGER IF EXISTS mirror_\(unsafeRaw: source.table)_\(unsafeRaw: event.lowercased())").run()
                    }
                }
            }
        }
        try await database.schema("mirror_changes").delete()
    }
}
