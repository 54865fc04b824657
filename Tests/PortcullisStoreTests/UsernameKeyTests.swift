import FluentKit
import Foundation
import PortcullisTestSupport
import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisStore

/// Issue 12 finding 7 in the store: usernames compared by their RFC 8265 §3.3 key, computed in Swift (M0014).
@Suite("Store: username keys")
struct UsernameKeyTests {
    /// A user as the code before M0014 stored it: the key was Swift's `lowercased()` alone.
    static func legacyUser(_ store: Store, _ workspace: Workspace, _ username: String) async throws -> UserAccount {
        let user = try await store.users.createUser(NewUser(workspaceID: workspace.id, username: "tmp-\(UUID())", passwordHash: "h"), now: 1)
        try await store.sql.raw(
            "UPDATE users SET username = \(bind: username), username_key = \(bind: username.lowercased()) WHERE id = \(bind: user.id)"
        ).run()
        return try #require(try await store.users.user(id: user.id))
    }

    @Test("Look-alikes are one key: created, found and renamed by it")
    func keys() async throws {
        try await withStore { store in
            let workspace = try await store.workspaces.createWorkspace(named: "one", now: 1)
            let admin = try await store.users.createUser(NewUser(workspaceID: workspace.id, username: "admin", passwordHash: "h"), now: 1)
            for lookAlike in ["ＡＤＭＩＮ", "ａｄｍｉｎ", "Admin"] {
                await #expect(throws: RepositoryError.duplicate("username")) {
                    try await store.users.createUser(NewUser(workspaceID: workspace.id, username: lookAlike, passwordHash: "h"), now: 1)
                }
                #expect(try await store.users.user(username: lookAlike, workspaceID: workspace.id)?.id == admin.id)
            }
            let cafe = try await store.users.createUser(NewUser(workspaceID: workspace.id, username: "caf\u{E9}", passwordHash: "h"), now: 1)
            #expect(try await store.users.user(username: "CAFE\u{301}", workspaceID: workspace.id)?.id == cafe.id)
            await #expect(throws: RepositoryError.duplicate("username")) {
                try await store.userAdministration.updateUser(id: cafe.id, changes: UserChanges(username: "ＡＤＭＩＮ"), now: 2)
            }
            let found = try await store.userAdministration.users(workspaceID: workspace.id, query: UserQuery(filter: "ＡＤ"))
            #expect(found.users.map(\.id) == [admin.id])
        }
    }

    @Test("M0014 recomputes the keys of existing users, on SQLite and PostgreSQL")
    func migration() async throws {
        try await withStore { store in
            let workspace = try await store.workspaces.createWorkspace(named: "one", now: 1)
            let other = try await store.workspaces.createWorkspace(named: "two", now: 1)
            let bob = try await Self.legacyUser(store, workspace, "ＢＯＢ")
            let cafe = try await Self.legacyUser(store, workspace, "Cafe\u{301}")
            let alice = try await Self.legacyUser(store, workspace, "Alice")
            _ = try await Self.legacyUser(store, other, "bob")  // another workspace: no collision
            // Before: the fullwidth and NFD spellings are not found by their plain forms.
            #expect(try await store.users.user(username: "bob", workspaceID: workspace.id) == nil)
            try await M0014_PRECISUsernameKeys().prepare(on: store.db)
            #expect(try await store.users.user(username: "bob", workspaceID: workspace.id)?.id == bob.id)
            #expect(try await store.users.user(username: "caf\u{E9}", workspaceID: workspace.id)?.id == cafe.id)
            #expect(try await store.users.user(username: "ALICE", workspaceID: workspace.id)?.id == alice.id)
            // Names are kept as they were typed.
            #expect(try await store.users.user(id: bob.id)?.username == "ＢＯＢ")
            try await M0014_PRECISUsernameKeys().prepare(on: store.db)  // idempotent
        }
    }

    @Test("M0014 stops, naming both accounts, when two users of a workspace are one name under RFC 8265")
    func migrationCollision() async throws {
        try await withStore { store in
            let workspace = try await store.workspaces.createWorkspace(named: "one", now: 1)
            let admin = try await Self.legacyUser(store, workspace, "admin")
            let fullwidth = try await Self.legacyUser(store, workspace, "ａｄｍｉｎ")
            do {
                try await M0014_PRECISUsernameKeys().prepare(on: store.db)
                Issue.record("the migration went through")
            } catch let error as StoreError {
                #expect("\(error)".contains("user id \(admin.id) (admin)"), "\(error)")
                #expect("\(error)".contains("user id \(fullwidth.id) (U+FF41"), "\(error)")
            }
            // Nothing changed: the transaction rolled back.
            let keys = try await store.sql.raw("SELECT username_key FROM users WHERE workspace_id = \(bind: workspace.id) ORDER BY id")
                .all(decodingColumn: "username_key", as: String.self)
            #expect(keys == ["admin", "ａｄｍｉｎ"])
        }
    }
}
