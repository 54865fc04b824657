import FluentKit
import Foundation
public import PortcullisCore
import SQLKit

struct UserAdministrationStore: UserAdministrationRepository {
    let store: Store

    private var userStore: UserStore { UserStore(store: store) }

    private static func column(_ sort: UserSortField) -> String {
        switch sort {
        case .id: "id"
        case .username: "username_key"
        case .email: "email"
        case .firstname: "first_name"
        case .lastname: "last_name"
        // ProcessMaker's status is ACTIVE/INACTIVE: sorting ascending puts ACTIVE first. Each column here gets the
        // requested direction appended, so none may carry its own ("is_active DESC ASC" was a syntax error, a 500).
        case .status: "NOT is_active, username_key"
        case .createdAt: "created_at"
        case .updatedAt: "updated_at"
        }
    }

    func users(workspaceID: Int, query: UserQuery) async throws -> (users: [UserAccount], total: Int) {
        var condition: SQLQueryString = "workspace_id = \(bind: workspaceID)"
        if let filter = query.filter, !filter.isEmpty {
            // LIKE with our own escape character, so % and _ in the filter are literal: a plain substring match.
            func pattern(_ text: String) -> String {
                "%"
                    + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
            }
            // Usernames by their RFC 8265 key (so `ＡＤＭ` finds admin), the other columns lowercased as before.
            let key = pattern(PRECIS.usernameKey(filter))
            let other = pattern(filter.lowercased())
            condition = """
                \(condition) AND (username_key LIKE \(bind: key) ESCAPE '\\' OR LOWER(first_name) LIKE \(bind: other) ESCAPE '\\' \
                OR LOWER(last_name) LIKE \(bind: other) ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE \(bind: other) ESCAPE '\\')
                """
        }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM users WHERE \(condition)").first(decodingColumn: "n", as: Int.self) ?? 0
        let direction = query.descending ? "DESC" : "ASC"
        let order = Self.column(query.sort).split(separator: ",").map { "\($0.trimmingCharacters(in: .whitespaces)) \(direction)" }
        let ids = try await store.sql.raw(
            """
            SELECT id FROM users WHERE \(condition) ORDER BY \(unsafeRaw: order.joined(separator: ", ")), id \(unsafeRaw: direction) \
            LIMIT \(bind: query.limit) OFFSET \(bind: query.offset)
            """
        ).all(decodingColumn: "id", as: Int.self)
        return (try await userStore.users(ids: ids), total)
    }

    func user(uid: String, workspaceID: Int) async throws -> UserAccount? {
        try await userStore.oneUser(where: "u.uid = \(bind: uid) AND u.workspace_id = \(bind: workspaceID)")
    }

    func updateUser(id: Int, changes: UserChanges, now: Int64) async throws -> UserAccount {
        do {
            // Through the write path (BEGIN IMMEDIATE behind the write gate on SQLite): a read-then-write transaction
            // would fail with SQLITE_BUSY_SNAPSHOT whenever a token write commits in between.
            try await store.writeTransaction { sql in
                let update = sql.update("users").set("updated_at", to: now)
                if let username = changes.username { update.set("username", to: username).set("username_key", to: PRECIS.usernameKey(username)) }
                if let email = changes.email { update.set("email", to: email.isEmpty ? SQLLiteral.null : SQLBind(email)) }
                if let firstName = changes.firstName { update.set("first_name", to: firstName) }
                if let lastName = changes.lastName { update.set("last_name", to: lastName) }
                if let passwordHash = changes.passwordHash { update.set("password_hash", to: passwordHash) }
                if let isActive = changes.isActive { update.set("is_active", to: isActive) }
                if let isSuperAdmin = changes.isSuperAdmin { update.set("is_super_admin", to: isSuperAdmin) }
                guard !(try await update.where("id", .equal, id).returning("id").all().isEmpty) else { throw RepositoryError.notFound }
                if let permissions = changes.permissions { try await UserStore.writePermissions(permissions, userID: id, on: sql) }
            }
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("username")
        }
        guard let user = try await userStore.user(id: id) else { throw RepositoryError.notFound }
        return user
    }

    func deleteUser(id: Int) async throws -> Bool {
        try await store.writeTransaction { sql in
            // Clients the user registered stay, without an owner (the foreign key sets it to NULL).
            try await sql.raw("DELETE FROM user_permissions WHERE user_id = \(bind: id)").run()
            return !(try await sql.raw("DELETE FROM users WHERE id = \(bind: id) RETURNING id").all().isEmpty)
        }
    }

    func revokeEverything(ofUser userID: Int, now: Int64, horizon: Int64) async throws -> Revocation {
        try await store.writeTransaction { sql in
            let version =
                try await sql.raw(
                    "UPDATE users SET token_version = token_version + 1 WHERE id = \(bind: userID) RETURNING token_version"
                ).first(decodingColumn: "token_version", as: Int.self) ?? 1
            try await GrantStore.revokeGrants(.user(userID), now: now, on: sql)
            // The token version below revokes the personal access tokens; their rows say so too.
            try await sql.raw(
                "UPDATE personal_access_tokens SET revoked_at = \(bind: now), updated_at = \(bind: now) WHERE user_id = \(bind: userID) AND revoked_at IS NULL"
            ).run()
            let revocation = Revocation.forUser(userID, version: version, revokedAt: now, expiresAt: horizon)
            try await RevocationStore.insert(revocation, recordedAt: now, on: sql)
            return revocation
        }
    }
}

extension Store {
    public var userAdministration: any UserAdministrationRepository { UserAdministrationStore(store: self) }
}
