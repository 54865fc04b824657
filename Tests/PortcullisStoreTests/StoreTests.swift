import FluentKit
import Foundation
import Logging
import PortcullisTestSupport
import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisStore

/// A fresh database (SQLite in a temporary folder, or PostgreSQL when the suite runs against it), removed afterwards.
/// `migrations`: the ones to run first, for tests that build a database as an older version left it; all by default.
func withStore(migrations: [any Migration]? = nil, _ body: (Store) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-store-\(UUID().uuidString)")
    let (url, drop) = try await TestDatabase.fresh(in: folder)
    // A long pool timeout: the whole suite runs at once on two cores, and twenty transactions queue for four connections.
    let store = try await Store.open(
        try DatabaseLocation(url: url), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), connectionTimeout: 120)
    defer { try? FileManager.default.removeItem(at: folder) }
    do {
        if let migrations { try await store.migrate(migrations) } else { try await store.migrate() }
        try await body(store)
    } catch {
        await store.close()
        await drop()
        throw error
    }
    await store.close()
    await drop()
}

@Suite("Store")
struct StoreTests {
    @Test("A new SQLite database and its WAL are readable by their owner only (second attacker's pass found 0644)")
    func databaseFileMode() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-mode-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("portcullis.sqlite").path
        let store = try await Store.open(.sqlite(path: path), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await store.migrate()
        await store.close()
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(file): \(String(mode, radix: 8))")
        }
        #expect(FileManager.default.fileExists(atPath: path))
        let folderMode = try #require(try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int)
        #expect(folderMode & 0o077 == 0, "the data folder: \(String(folderMode, radix: 8))")
    }

    @Test("Migrations make every table, run twice without harm, and are numbered in order")
    func migrations() async throws {
        try await withStore { store in
            try await store.migrate()
            let names = try await store.appliedMigrations()
            #expect(names == names.sorted())
            #expect(names.first == "M0001_CreateWorkspaces")
            let tables = try await store.sql.raw(
                TestDatabase.isPostgres
                    ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
                    : "SELECT name FROM sqlite_master WHERE type = 'table'"
            ).all(decodingColumn: "name", as: String.self)
            for table in ["workspaces", "users", "user_permissions", "clients", "grants", "refresh_tokens", "signing_keys", "revocations"] {
                #expect(tables.contains(table), "missing table \(table)")
            }
        }
    }

    /// A workspace, a client, and `count` users each with a password grant and its refresh token `"<username>-rt"`.
    static func people(_ store: Store, _ count: Int) async throws -> (client: OAuthClient, users: [UserAccount], grants: [Int]) {
        let ws = try await store.workspaces.createWorkspace(named: "ids", now: 1)
        // Raw SQL naming only M0003's columns: the upgrade test writes to a database as an older version left it, where
        // the repository's INSERT would name columns added since (M0015's may_introspect).
        let clientRowID = try #require(
            try await store.sql.raw(
                """
                INSERT INTO clients (workspace_id, client_id, name, name_key, redirect_uris, grants, is_confidential, secret_hash, \
                skip_consent, created_at, updated_at)
                VALUES (\(bind: ws.id), 'Cids', 'c', 'c', '[]', \(bind: ClientGrants.password.rawValue), \(bind: true), 'x', \(bind: false), 1, 1)
                RETURNING id
                """
            ).first(decodingColumn: "id", as: Int.self))
        let client = OAuthClient(
            id: clientRowID, clientID: "Cids", workspaceID: ws.id, name: "c", description: nil, website: nil, redirectURIs: [], grants: [.password],
            isConfidential: true, secretHash: "x", ownerUserID: nil, skipsConsent: false, createdAt: 1, updatedAt: 1)
        var users: [UserAccount] = []
        var grants: [Int] = []
        for index in 0..<count {
            let user = try await store.users.createUser(NewUser(workspaceID: ws.id, username: "u\(index)", passwordHash: "h"), now: 1)
            users.append(user)
            // Raw SQL again: M0021 added grants.resources.
            let grantID = try #require(
                try await store.sql.raw(
                    """
                    INSERT INTO grants (workspace_id, client_row_id, user_id, scope, grant_type, created_at)
                    VALUES (\(bind: ws.id), \(bind: client.id), \(bind: user.id), '*', 'password', 1) RETURNING id
                    """
                ).first(decodingColumn: "id", as: Int.self))
            try await store.sql.raw(
                """
                INSERT INTO refresh_tokens (grant_id, token_hash, parent_id, expires_at, created_at)
                VALUES (\(bind: grantID), \(bind: "u\(index)-rt"), NULL, 10000, 1)
                """
            ).run()
            grants.append(grantID)
        }
        return (client, users, grants)
    }

    @Test(
        "M0022 stops, saying which, when a URI is registered in several workspaces; then the URI is unique server-wide",
        .enabled(if: !TestDatabase.isPostgres, "PostgreSQL test databases are copies of a fully migrated template"))
    func uniqueResourceURIs() async throws {
        let index = try #require(PortcullisMigrations.all.firstIndex { $0 is M0022_UniqueResourceURIs })
        try await withStore(migrations: Array(PortcullisMigrations.all[..<index])) { store in
            try await store.sql.raw("INSERT INTO workspaces (name, created_at) VALUES ('w1', 1), ('w2', 1)").run()
            let ids = try await store.sql.raw("SELECT id FROM workspaces ORDER BY id").all(decodingColumn: "id", as: Int.self)
            for (n, workspace) in ids.prefix(2).enumerated() {
                try await store.sql.raw(
                    """
                    INSERT INTO resource_servers (workspace_id, uri, name, scopes, client_id, secret_hash, created_at)
                    VALUES (\(bind: workspace), 'https://shared.example/', 'x', '[]', \(bind: "rs_\(n)"), 'h', 1)
                    """
                ).run()
            }
            do {
                try await store.migrate()
                Issue.record("M0022 ran over a shared URI")
            } catch let error as SharedResourceURIs {
                #expect(error.uris == ["https://shared.example/"])
            }
            try await store.sql.raw("DELETE FROM resource_servers WHERE client_id = 'rs_1'").run()
            try await store.migrate()
            await #expect(throws: (any Error).self) {
                try await store.sql.raw(
                    """
                    INSERT INTO resource_servers (workspace_id, uri, name, scopes, client_id, secret_hash, created_at)
                    VALUES (\(bind: ids[1]), 'https://shared.example/', 'x', '[]', 'rs_2', 'h', 1)
                    """
                ).run()
            }
        }
    }

    @Test("A deleted user's or grant's id is never given again (sessions, tokens and revocations name them by id)")
    func idsAreNeverReused() async throws {
        try await withStore { store in
            let (client, users, grants) = try await Self.people(store, 2)
            let newest = try #require(users.last)
            _ = try await store.userAdministration.revokeEverything(ofUser: newest.id, now: 2, horizon: 100_000)
            #expect(try await store.userAdministration.deleteUser(id: newest.id))
            let next = try await store.users.createUser(NewUser(workspaceID: client.workspaceID, username: "next", passwordHash: "h"), now: 3)
            #expect(next.id > newest.id)
            // The newest grant goes with its user (ON DELETE CASCADE); the next grant must not take its id.
            #expect(try await store.grants.refreshToken(hash: "u1-rt") == nil)
            let grant = try await store.grants.createGrant(
                NewGrant(workspaceID: client.workspaceID, clientRowID: client.id, userID: next.id, scope: .everything, grantType: .password),
                refreshToken: nil, now: 3)
            #expect(grant > grants.max()!)
        }
    }

    @Test(
        "Upgrading a SQLite database made before M0013 keeps every row, index and foreign key, and ids then never repeat",
        .enabled(if: !TestDatabase.isPostgres, "the rebuild is SQLite's; PostgreSQL's sequences never reuse an id"))
    func upgradeToAutoincrement() async throws {
        let index = try #require(PortcullisMigrations.all.firstIndex { $0 is M0013_NeverReuseRowIDs })
        try await withStore(migrations: Array(PortcullisMigrations.all[..<index])) { store in
            func definition(_ table: String) async throws -> String {
                try await store.sql.raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = \(bind: table)")
                    .first(decodingColumn: "sql", as: String.self) ?? ""
            }
            #expect(try await !definition("users").contains("AUTOINCREMENT"))
            let (client, users, grants) = try await Self.people(store, 3)
            try await UserStore.writePermissions([.viewUsers], userID: users[0].id, on: store.sql)
            // The newest user deleted before the upgrade: her id is named by a live revocation.
            let gone = users[2]
            // Raw SQL naming only the columns of the time (M0021 added revocations.workspace_id).
            try await store.sql.raw(
                """
                INSERT INTO revocations (kind, target, revoked_at, expires_at, recorded_at)
                VALUES ('user', \(bind: "\(gone.id):1"), 2, 100000, 2)
                """
            ).run()
            #expect(try await store.userAdministration.deleteUser(id: gone.id))
            // An even later user, deleted, that only the audit trail still names.
            try await store.audit.record(
                AuditEvent(workspaceID: client.workspaceID, kind: "login.success", userID: gone.id + 5, subject: "x", address: nil, createdAt: 2))
            func indexes() async throws -> [String] {
                try await store.sql.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('users', 'grants') ORDER BY name")
                    .all(decodingColumn: "name", as: String.self)
            }
            let indexesBefore = try await indexes()
            #expect(indexesBefore.contains("grants_user_id"))

            try await store.migrate()

            #expect(try await definition("users").contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT"))
            #expect(try await definition("grants").contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT"))
            #expect(try await indexes() == indexesBefore)
            #expect(try await store.sql.raw("PRAGMA foreign_key_check").all().isEmpty)
            for _ in 0..<8 {  // every pooled connection, the migration's included, still enforces foreign keys
                #expect(try await store.sql.raw("PRAGMA foreign_keys").first(decodingColumn: "foreign_keys", as: Int.self) == 1)
            }
            let kept = try #require(try await store.users.user(id: users[0].id))
            #expect(kept.username == "u0" && kept.permissions == [.viewUsers])
            let token = try #require(try await store.grants.refreshToken(hash: "u1-rt"))
            #expect(token.grantID == grants[1] && token.userID == users[1].id && token.clientRowID == client.id)
            // Foreign keys still cascade: deleting a user takes her grants and their refresh tokens.
            #expect(try await store.userAdministration.deleteUser(id: users[1].id))
            #expect(try await store.grants.refreshToken(hash: "u1-rt") == nil)
            // Above every id ever given, the deleted ones included.
            let next = try await store.users.createUser(NewUser(workspaceID: client.workspaceID, username: "next", passwordHash: "h"), now: 3)
            #expect(next.id == gone.id + 6)
            try await store.migrate()  // nothing left to do
        }
    }

    @Test("Instances started together on one empty database all migrate it: one does the work, the others wait")
    func concurrentMigrations() async throws {
        // SQLite: three stores on one new file (a server and CLI commands started together); each its own lock
        // file descriptor, so they exclude each other as separate processes would.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-race-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (url, drop) = TestDatabase.isPostgres ? try await TestDatabase.emptyPostgres() : try await TestDatabase.fresh(in: folder)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var stores: [Store] = []
        for _ in 0..<3 { stores.append(try await Store.open(try DatabaseLocation(url: url), poolSize: 2, logger: logger, connectionTimeout: 120)) }
        let outcomes = await withTaskGroup(of: String?.self) { group in
            for store in stores {
                group.addTask {
                    do {
                        try await store.migrate()
                        return nil
                    } catch { return String(reflecting: error) }
                }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(outcomes.compactMap { $0 }.isEmpty, "\(outcomes)")
        let applied = try await stores[0].appliedMigrations()
        #expect(applied.count == Set(applied).count && applied.first == "M0001_CreateWorkspaces", "each migration ran once")
        for store in stores { await store.close() }
        await drop()
    }

    @Test(
        "SQLite runs in WAL mode with synchronous FULL (a committed write survives a crash) and a sleeping busy timeout",
        .enabled(if: !TestDatabase.isPostgres, "PostgreSQL commits durably by default (synchronous_commit on)"))
    func durability() async throws {
        try await withStore { store in
            let mode = try await store.sql.raw("PRAGMA journal_mode").first(decodingColumn: "journal_mode", as: String.self)
            #expect(mode == "wal")
            let synchronous = try await store.sql.raw("PRAGMA synchronous").first(decodingColumn: "synchronous", as: Int.self)
            #expect(synchronous == 2)
            // Waiting writers sleep between retries instead of spinning (on every pooled connection).
            for _ in 0..<4 {
                let timeout = try await store.sql.raw("PRAGMA busy_timeout").first(decodingColumn: "timeout", as: Int.self)
                #expect(timeout == 10000)
            }
        }
    }

    @Test("Usernames are unique per workspace regardless of case, and found regardless of case")
    func usernames() async throws {
        try await withStore { store in
            let one = try await store.workspaces.createWorkspace(named: "one", now: 1)
            let two = try await store.workspaces.createWorkspace(named: "two", now: 1)
            await #expect(throws: RepositoryError.duplicate("name")) { try await store.workspaces.createWorkspace(named: "one", now: 1) }
            let alice = try await store.users.createUser(NewUser(workspaceID: one.id, username: "Alice", passwordHash: "h"), now: 1)
            await #expect(throws: RepositoryError.duplicate("username")) {
                try await store.users.createUser(NewUser(workspaceID: one.id, username: "ALICE", passwordHash: "h"), now: 1)
            }
            _ = try await store.users.createUser(NewUser(workspaceID: two.id, username: "alice", passwordHash: "h"), now: 1)
            #expect(try await store.users.user(username: "aLiCe", workspaceID: one.id)?.id == alice.id)
            #expect(try await store.users.user(username: "alice", workspaceID: two.id)?.id != alice.id)
            #expect(alice.uid.count == 32)
        }
    }

    @Test("Permissions are stored and read back")
    func permissions() async throws {
        try await withStore { store in
            let ws = try await store.workspaces.createWorkspace(named: "w", now: 1)
            let user = try await store.users.createUser(
                NewUser(workspaceID: ws.id, username: "p", passwordHash: "h", permissions: [.viewUsers, .restAPIApplications]), now: 1)
            #expect(user.permissions == [.viewUsers, .restAPIApplications])
            #expect(user.has(.viewUsers) && !user.has(.deleteUsers))
        }
    }

    @Test("A user can be created inactive, in the one insert")
    func inactiveAtCreation() async throws {
        try await withStore { store in
            let ws = try await store.workspaces.createWorkspace(named: "w", now: 1)
            let inactive = try await store.users.createUser(NewUser(workspaceID: ws.id, username: "off", passwordHash: "h", isActive: false), now: 1)
            #expect(!inactive.isActive)
            #expect(try await store.users.user(id: inactive.id)?.isActive == false)
            #expect(try await store.users.createUser(NewUser(workspaceID: ws.id, username: "on", passwordHash: "h"), now: 1).isActive)
        }
    }

    @Test("User edits go through the write path: concurrent with token writes, none fails, and the changes land")
    func userWritesUnderLoad() async throws {
        try await withStore { store in
            _ = try await Self.grantWithToken(store)
            let grant = try #require(try await store.grants.refreshToken(hash: "first"))
            let user = try await store.users.createUser(NewUser(workspaceID: grant.workspaceID, username: "edited", passwordHash: "h"), now: 1)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        _ = try await store.userAdministration.updateUser(
                            id: user.id, changes: UserChanges(firstName: "F\(index)", permissions: [.viewUsers]), now: 2)
                    }
                    group.addTask {
                        _ = try await store.grants.createGrant(
                            NewGrant(
                                workspaceID: grant.workspaceID, clientRowID: grant.clientRowID, userID: user.id, scope: .everything,
                                grantType: .password),
                            refreshToken: NewRefreshToken(hash: "load-\(index)", parentID: nil, expiresAt: 10_000), now: 2)
                    }
                }
                try await group.waitForAll()
            }
            let edited = try #require(try await store.users.user(id: user.id))
            #expect(edited.firstName.hasPrefix("F") && edited.permissions == [.viewUsers])
            let cleared = try await store.userAdministration.updateUser(id: user.id, changes: UserChanges(email: ""), now: 3)
            #expect(cleared.email == nil)
            await #expect(throws: RepositoryError.self) {
                try await store.userAdministration.updateUser(id: 999_999, changes: UserChanges(firstName: "x"), now: 3)
            }
        }
    }

    static func grantWithToken(_ store: Store) async throws -> (grantID: Int, tokenID: Int) {
        let ws = try await store.workspaces.createWorkspace(named: "w\(Int.random(in: 0...1_000_000))", now: 1)
        let client = try await store.clients.createClient(
            NewClient(workspaceID: ws.id, clientID: "C\(UUID().uuidString)", name: "c", grants: [.password], isConfidential: true, secretHash: "x"),
            now: 1)
        let user = try await store.users.createUser(NewUser(workspaceID: ws.id, username: "u", passwordHash: "h"), now: 1)
        let grantID = try await store.grants.createGrant(
            NewGrant(workspaceID: ws.id, clientRowID: client.id, userID: user.id, scope: .everything, grantType: .password),
            refreshToken: NewRefreshToken(hash: "first", parentID: nil, expiresAt: 10_000), now: 1)
        let record = try #require(try await store.grants.refreshToken(hash: "first"))
        #expect(record.grantID == grantID && record.userID == user.id && record.clientRowID == client.id)
        return (grantID, record.id)
    }

    @Test("Twenty concurrent rotations of one refresh token: exactly one wins")
    func atomicRotation() async throws {
        try await withStore { store in
            let (grantID, tokenID) = try await Self.grantWithToken(store)
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await store.grants.rotateRefreshToken(
                            id: tokenID, grantID: grantID, successor: NewRefreshToken(hash: "next-\(index)", parentID: tokenID, expiresAt: 10_000),
                            now: 5)
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            #expect(try await store.grants.refreshToken(hash: "first")?.usedAt == 5)
            let successors = try await store.sql.raw("SELECT COUNT(*) AS n FROM refresh_tokens WHERE parent_id = \(bind: tokenID)")
                .first(decodingColumn: "n", as: Int.self)
            #expect(successors == 1)
        }
    }

    @Test("Revoking a grant revokes its refresh tokens and records a revocation; rotation then fails")
    func revokeGrant() async throws {
        try await withStore { store in
            let (grantID, tokenID) = try await Self.grantWithToken(store)
            try await store.grants.revokeGrant(id: grantID, now: 7, accessTokenHorizon: 3607)
            #expect(try await store.grants.refreshToken(hash: "first")?.revokedAt == 7)
            let rotated = try await store.grants.rotateRefreshToken(
                id: tokenID, grantID: grantID, successor: NewRefreshToken(hash: "n", parentID: tokenID, expiresAt: 10_000), now: 8)
            #expect(!rotated)
            let active = try await store.revocations.activeRevocations(now: 100)
            #expect(active == [Revocation(kind: .grant, value: String(grantID), revokedAt: 7, expiresAt: 3607)])
            #expect(try await store.revocations.activeRevocations(now: 4000).isEmpty)
            #expect(try await store.revocations.revocations(recordedSince: 6, now: 100).count == 1)
            #expect(try await store.revocations.revocations(recordedSince: 8, now: 100).isEmpty)
            #expect(try await store.revocations.revocations(recordedSince: 6, now: 4000).isEmpty, "expired ones are left out")
        }
    }

    @Test("Sessions: a taken key is refused, upsert replaces, an expired session is not read, keys are stored hashed")
    func sessions() async throws {
        try await withStore { store in
            let now: Int64 = 1_000_000
            try await store.sessions.create(key: "pcl.a", value: #"{"n":1}"#, expiresAt: now + 60, now: now)
            await #expect(throws: RepositoryError.duplicate("key")) {
                try await store.sessions.create(key: "pcl.a", value: #"{"n":2}"#, expiresAt: now + 60, now: now)
            }
            #expect(try await store.sessions.session(key: "pcl.a", now: now) == StoredSession(value: #"{"n":1}"#, expiresAt: now + 60))
            try await store.sessions.upsert(key: "pcl.a", value: #"{"n":3}"#, expiresAt: nil, now: now)
            #expect(try await store.sessions.session(key: "pcl.a", now: now + 1_000_000) == StoredSession(value: #"{"n":3}"#, expiresAt: nil))
            try await store.sessions.upsert(key: "pcl.b", value: "{}", expiresAt: now + 10, now: now)
            #expect(try await store.sessions.session(key: "pcl.b", now: now + 9) != nil)
            #expect(try await store.sessions.session(key: "pcl.b", now: now + 10) == nil)
            let hashes = try await store.sql.raw("SELECT key_hash FROM sessions ORDER BY key_hash").all(decodingColumn: "key_hash", as: String.self)
            #expect(hashes == [OpaqueSecret.hash("pcl.a"), OpaqueSecret.hash("pcl.b")].sorted())
            try await store.sessions.remove(key: "pcl.a")
            try await store.sessions.remove(key: "pcl.unknown")
            #expect(try await store.sessions.session(key: "pcl.a", now: now) == nil)
        }
    }

    @Test("Revocations whose tokens have all expired are purged a day later; live ones stay")
    func purgeRevocations() async throws {
        try await withStore { store in
            let now: Int64 = 1_000_000
            for index in 0..<25 {
                try await store.revocations.record(
                    Revocation(kind: .token, value: "old-\(index)", revokedAt: now - 200_000, expiresAt: now - 90_000))
            }
            try await store.revocations.record(Revocation(kind: .token, value: "recent", revokedAt: now - 5000, expiresAt: now - 1000))
            try await store.revocations.record(Revocation(kind: .grant, value: "live", revokedAt: now - 10, expiresAt: now + 3600))
            #expect(try await store.purgeExpired(now: now) == 25)
            let left = try await store.sql.raw("SELECT target FROM revocations ORDER BY target").all(decodingColumn: "target", as: String.self)
            #expect(left == ["live", "recent"])
        }
    }

    @Test("Finished grants are purged with their refresh tokens: every refresh token expired a day ago, every access token too")
    func purgeFinishedGrants() async throws {
        try await withStore { store in
            let now: Int64 = 10_000_000
            let day: Int64 = 86400
            let access: Int64 = 2 * day  // a long access-token lifetime, so "access tokens still live" is its own case
            let ws = try await store.workspaces.createWorkspace(named: "purge", now: 1)
            let client = try await store.clients.createClient(
                NewClient(workspaceID: ws.id, clientID: "Cpurge", name: "c", grants: [.password], isConfidential: true, secretHash: "x"), now: 1)
            let user = try await store.users.createUser(NewUser(workspaceID: ws.id, username: "u", passwordHash: "h"), now: 1)
            /// A grant made at `made`, with a chain of refresh tokens (made, expires) rotated one into the next.
            func grant(made: Int64, chain: [(made: Int64, expires: Int64)]) async throws -> Int {
                let id = try await store.grants.createGrant(
                    NewGrant(workspaceID: ws.id, clientRowID: client.id, userID: user.id, scope: .everything, grantType: .password),
                    refreshToken: nil, now: made)
                var parent: Int?
                for (index, link) in chain.enumerated() {
                    let hash = "g\(id)-\(index)"
                    if let parent {
                        #expect(
                            try await store.grants.rotateRefreshToken(
                                id: parent, grantID: id, successor: NewRefreshToken(hash: hash, parentID: parent, expiresAt: link.expires), now: link.made))
                    } else {
                        try await store.sql.raw(
                            """
                            INSERT INTO refresh_tokens (grant_id, token_hash, expires_at, created_at)
                            VALUES (\(bind: id), \(bind: hash), \(bind: link.expires), \(bind: link.made))
                            """
                        ).run()
                    }
                    parent = try #require(try await store.grants.refreshToken(hash: hash)).id
                }
                return id
            }
            let finished = try await grant(made: now - 40 * day, chain: [(now - 40 * day, now - 30 * day), (now - 31 * day, now - 5 * day)])
            let refreshExpiredAnHourAgo = try await grant(made: now - 40 * day, chain: [(now - 40 * day, now - 3600)])
            let accessStillLive = try await grant(made: now - 40 * day, chain: [(now - 2 * day, now - 2 * day + 3600)])
            let live = try await grant(made: now - 10 * day, chain: [(now - day, now + 29 * day)])
            let oldWithoutRefresh = try await grant(made: now - 4 * day, chain: [])
            let recentWithoutRefresh = try await grant(made: now - 2 * day, chain: [])
            try await store.grants.revokeGrant(id: finished, now: now - 20 * day, accessTokenHorizon: now - 20 * day + access)

            #expect(try await store.purgeFinishedGrants(now: now, accessTokenLifetime: access) == 2)
            let grants = try await store.sql.raw("SELECT id FROM grants ORDER BY id").all(decodingColumn: "id", as: Int.self)
            #expect(grants == [refreshExpiredAnHourAgo, accessStillLive, live, recentWithoutRefresh].sorted())
            #expect(!grants.contains(oldWithoutRefresh) && !grants.contains(finished))
            let tokens = try await store.sql.raw("SELECT grant_id FROM refresh_tokens ORDER BY grant_id").all(decodingColumn: "grant_id", as: Int.self)
            #expect(tokens == [refreshExpiredAnHourAgo, accessStillLive, live].sorted(), "the finished grant's two refresh tokens went with it")
            #expect(try await store.grants.refreshToken(hash: "g\(live)-0") != nil, "a live grant's token still redeems")
            #expect(try await store.purgeFinishedGrants(now: now, accessTokenLifetime: access) == 0, "nothing more to do")
        }
    }

    @Test("Only one active signing key; rotation retires the old one until its tokens expire")
    func signingKeys() async throws {
        try await withStore { store in
            func key(_ kid: String) -> StoredSigningKey {
                StoredSigningKey(kid: kid, algorithm: .es256, sealedPrivateKey: "s", state: .active, createdAt: 1, publishUntil: nil)
            }
            #expect(try await store.signingKeys.activateFirst(key("a")))
            #expect(try await !store.signingKeys.activateFirst(key("b")))
            try await store.signingKeys.activate(key("c"), retiredPublishUntil: 100, now: 10)
            let published = try await store.signingKeys.publishedKeys(now: 50)
            #expect(Set(published.map(\.kid)) == ["a", "c"])
            #expect(published.first(where: { $0.kid == "c" })?.state == .active)
            #expect(try await store.signingKeys.publishedKeys(now: 100).map(\.kid) == ["c"])
        }
    }

    @Test("Database locations parse and never print a password")
    func locations() throws {
        #expect(try DatabaseLocation(url: "postgres://u:secretpw@db:5433/p") == .postgres(url: "postgres://u:secretpw@db:5433/p"))
        #expect(!(try DatabaseLocation(url: "postgres://u:secretpw@db:5433/p")).description.contains("secretpw"))
        #expect(try DatabaseLocation(url: "sqlite:///tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try DatabaseLocation(url: "data/x.sqlite") == .sqlite(path: "data/x.sqlite"))
        #expect(throws: StoreError.self) { try DatabaseLocation(url: "mysql://x") }
    }
}
