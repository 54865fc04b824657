import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisStore

@Suite("Store: the change feed")
struct ChangeFeedTests {
    @Test("A permission row updated by hand names its old and its new user in the feed (attacker's pass, issue 14)")
    func permissionUpdate() async throws {
        try await withStore { store in
            let workspace = try await store.workspaces.createWorkspace(named: "feed", now: 1)
            var ids: [Int] = []
            for name in ["feed-a", "feed-b"] {
                let user = try await store.users.createUser(
                    NewUser(workspaceID: workspace.id, username: name, passwordHash: "x", permissions: [.viewUsers]), now: 1)
                ids.append(user.id)
            }
            let before = try await store.changes.latestChange() ?? 0
            try await store.sql.raw("DELETE FROM mirror_changes").run()
            try await store.sql.raw(
                "UPDATE user_permissions SET permission = 'view-auth_clients', user_id = \(bind: ids[1]) WHERE user_id = \(bind: ids[0])"
            ).run()
            let named = Set(try await store.changes.changes(recordedSince: before - 60).filter { $0.kind == .user }.map(\.target))
            #expect(named.isSuperset(of: ids), "\(named)")
        }
    }
}
