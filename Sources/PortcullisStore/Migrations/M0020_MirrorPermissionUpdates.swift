import FluentKit
import SQLKit

/// The attacker's pass of issue 14: M0019 fed inserts and deletes of `user_permissions` to the change feed, but not an
/// UPDATE (a permission renamed or moved to another user by hand), so running instances kept the old permissions. This
/// records both the old and the new user of an updated row.
struct M0020_MirrorPermissionUpdates: AsyncMigration {
    var name: String { "M0020_MirrorPermissionUpdates" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name != "sqlite" {
            try await sql.raw(
                """
                CREATE FUNCTION mirror_user_permissions_updated() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO mirror_changes (kind, target, recorded_at)
                  VALUES ('user', OLD.user_id, EXTRACT(EPOCH FROM clock_timestamp())::bigint),
                         ('user', NEW.user_id, EXTRACT(EPOCH FROM clock_timestamp())::bigint);
                  RETURN NULL;
                END $$
                """
            ).run()
            try await sql.raw(
                """
                CREATE TRIGGER mirror_user_permissions_updated AFTER UPDATE ON user_permissions FOR EACH ROW \
                EXECUTE FUNCTION mirror_user_permissions_updated()
                """
            ).run()
        } else {
            try await sql.raw(
                """
                CREATE TRIGGER mirror_user_permissions_update AFTER UPDATE ON user_permissions BEGIN
                  INSERT INTO mirror_changes (kind, target, recorded_at)
                  VALUES ('user', OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER)), ('user', NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
                END
                """
            ).run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name != "sqlite" {
            try await sql.raw("DROP TRIGGER IF EXISTS mirror_user_permissions_updated ON user_permissions").run()
            try await sql.raw("DROP FUNCTION IF EXISTS mirror_user_permissions_updated()").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS mirror_user_permissions_update").run()
        }
    }
}
