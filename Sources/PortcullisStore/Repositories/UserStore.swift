import FluentKit
import PortcullisCore
import SQLKit

struct UserStore: UserRepository {
    let store: Store

    private struct Row: Decodable {
        let id: Int
        let workspaceId: Int
        let uid: String
        let username: String
        let email: String?
        let firstName: String
        let lastName: String
        let passwordHash: String
        let isSuperAdmin: Bool
        let isActive: Bool
        let tokenVersion: Int
        let createdAt: Int64
        let updatedAt: Int64

        /// Spelled out rather than `.convertFromSnakeCase`: this row is read on every user-bound API call.
        enum CodingKeys: String, CodingKey {
            case id, uid, username, email
            case workspaceId = "workspace_id", firstName = "first_name", lastName = "last_name", passwordHash = "password_hash"
            case isSuperAdmin = "is_super_admin", isActive = "is_active", tokenVersion = "token_version"
            case createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    private static let columns: SQLQueryString =
        "id, workspace_id, uid, username, email, first_name, last_name, password_hash, is_super_admin, is_active, token_version, created_at, updated_at"

    func user(id: Int) async throws -> UserAccount? {
        try await oneUser(where: "u.id = \(bind: id)")
    }

    /// By the username's RFC 8265 §3.3 comparison key (width-mapped, lowercased in full Unicode, NFC), computed here in
    /// Swift: SQL lower() folds only ASCII on SQLite, and `ＡＤＭＩＮ` must find `admin`.
    func user(username: String, workspaceID: Int) async throws -> UserAccount? {
        try await oneUser(where: "u.workspace_id = \(bind: workspaceID) AND u.username_key = \(bind: PRECIS.usernameKey(username))")
    }

    /// One user with their permissions in a single query: this runs on every user-bound API call and every password
    /// attempt, and each query is a hop to the database's threads and back.
    func oneUser(where condition: SQLQueryString) async throws -> UserAccount? {
        let aggregate: SQLQueryString = store.isPostgres ? "string_agg(p.permission, ',')" : "group_concat(p.permission, ',')"
        // The outer columns are the users row's (Self.columns); the subquery has its own scope.
        let query: SQLQueryString = """
            SELECT \(Self.columns), (SELECT \(aggregate) FROM user_permissions p WHERE p.user_id = u.id) AS permissions \
            FROM users u WHERE \(condition)
            """
        guard let row = try await store.sql.raw(query).first() else { return nil }
        let permissions = try row.decodeNil(column: "permissions") ? "" : try row.decode(column: "permissions", as: String.self)
        return account(
            try row.decode(model: Row.self),
            permissions: Set(permissions.split(separator: ",").compactMap { Permission(rawValue: String($0)) }))
    }

    func countUsers(workspaceID: Int) async throws -> Int {
        try await store.sql.raw("SELECT COUNT(*) AS n FROM users WHERE workspace_id = \(bind: workspaceID)")
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    func createUser(_ user: NewUser, now: Int64) async throws -> UserAccount {
        let uid = Hex.encode(SecureRandom.bytes(16))
        let id: Int
        do {
            id = try await store.writeTransaction { sql in
                guard
                    let id = try await sql.raw(
                        """
                        INSERT INTO users (workspace_id, uid, username, username_key, email, first_name, last_name, password_hash,
                          is_super_admin, is_active, token_version, created_at, updated_at)
                        VALUES (\(bind: user.workspaceID), \(bind: uid), \(bind: user.username), \(bind: PRECIS.usernameKey(user.username)),
                          \(bind: user.email), \(bind: user.firstName), \(bind: user.lastName), \(bind: user.passwordHash),
                          \(bind: user.isSuperAdmin), \(bind: user.isActive), 0, \(bind: now), \(bind: now))
                        RETURNING id
                        """
                    ).first(decodingColumn: "id", as: Int.self)
                else { throw RepositoryError.notFound }
                try await Self.writePermissions(user.permissions, userID: id, on: sql)
                return id
            }
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("username")
        }
        guard let created = try await self.user(id: id) else { throw RepositoryError.notFound }
        return created
    }

    /// Replaces a user's permissions, inside the caller's write transaction.
    static func writePermissions(_ permissions: Set<Permission>, userID: Int, on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM user_permissions WHERE user_id = \(bind: userID)").run()
        for permission in permissions.sorted(by: { $0.rawValue < $1.rawValue }) {
            try await sql.raw("INSERT INTO user_permissions (user_id, permission) VALUES (\(bind: userID), \(bind: permission.rawValue))").run()
        }
    }

    /// Users by id, in the order given, with two queries however many there are.
    func users(ids: [Int]) async throws -> [UserAccount] {
        guard !ids.isEmpty else { return [] }
        let rows = try await store.sql.raw("SELECT \(Self.columns) FROM users WHERE id IN (\(binds: ids))")
            .all(decoding: Row.self)
        struct Grant: Decodable {
            let userId: Int
            let permission: String
        }
        let grants = try await store.sql.raw("SELECT user_id, permission FROM user_permissions WHERE user_id IN (\(binds: ids))")
            .all(decoding: Grant.self, keyDecodingStrategy: .convertFromSnakeCase)
        let permissions = Dictionary(grouping: grants, by: \.userId).mapValues { Set($0.compactMap { Permission(rawValue: $0.permission) }) }
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
        return ids.compactMap { id in byID[id].map { account($0, permissions: permissions[id] ?? []) } }
    }

    private func account(_ row: Row, permissions: Set<Permission>) -> UserAccount {
        UserAccount(
            id: row.id, workspaceID: row.workspaceId, uid: row.uid, username: row.username, email: row.email,
            firstName: row.firstName, lastName: row.lastName, passwordHash: row.passwordHash,
            isSuperAdmin: row.isSuperAdmin, isActive: row.isActive, tokenVersion: row.tokenVersion,
            permissions: permissions, createdAt: row.createdAt, updatedAt: row.updatedAt)
    }
}
