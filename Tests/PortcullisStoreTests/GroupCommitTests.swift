import SQLKit
import Testing

@testable import PortcullisStore

/// Issue 14: SQLite's write transactions that arrive while one commits share the next commit (one fsync); a batch in
/// which a body fails runs again with a savepoint per body.
@Suite("Store: group commit")
struct GroupCommitTests {
    @Test("Sixty concurrent write transactions: each that succeeds is committed, each that fails is rolled back alone, in fewer commits on SQLite")
    func grouped() async throws {
        try await withStore { store in
            try await store.sql.raw("INSERT INTO workspaces (name, created_at) VALUES ('group-taken', 1)").run()
            let before = store.groupCommit.commits
            let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<60 {
                    group.addTask {
                        do {
                            try await store.writeTransaction { sql in
                                try await sql.raw("INSERT INTO workspaces (name, created_at) VALUES (\(bind: "group-\(index)"), 1)").run()
                                // Every fifth body then breaks the unique name: its own first insert must go with it.
                                if index % 5 == 0 {
                                    try await sql.raw("INSERT INTO workspaces (name, created_at) VALUES ('group-taken', 1)").run()
                                }
                            }
                            return (index, true)
                        } catch {
                            return (index, false)
                        }
                    }
                }
                return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            let names = Set(
                try await store.sql.raw("SELECT name FROM workspaces WHERE name LIKE 'group-%'").all(decodingColumn: "name", as: String.self))
            for index in 0..<60 {
                let fails = index % 5 == 0
                #expect(outcomes[index] == !fails, "body \(index)")
                #expect(names.contains("group-\(index)") == !fails, "body \(index): its writes are all there or all gone")
            }
            if !store.isPostgres {
                // PostgreSQL groups commits in its own WAL writer; SQLite does it here.
                let commits = store.groupCommit.commits - before
                #expect(commits < 60, "\(commits) commits for 60 transactions")
            }
        }
    }
}
