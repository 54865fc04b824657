public import Foundation
import Logging
import PortcullisCore
import PortcullisStore
import SQLKit

/// Where a test's data lives: a fresh SQLite file, or, when `PORTCULLIS_TEST_POSTGRES_URL` names a PostgreSQL
/// server (scripts/test starts a private one), a fresh database on it, dropped afterwards.
public enum TestDatabase {
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["PORTCULLIS_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
    public static var isPostgres: Bool { postgresURL != nil }
    public static var name: String { isPostgres ? "PostgreSQL" : "SQLite" }

    /// A fresh database for one test, and how to throw it away.
    public static func fresh(in folder: URL) async throws -> (url: String, drop: @Sendable () async -> Void) {
        guard let server = postgresURL else {
            return (folder.appendingPathComponent("portcullis.sqlite").path, {})
        }
        let name = "t_" + Hex.encode(SecureRandom.bytes(8))
        let template = try await Admin.shared.migratedTemplate()
        try await Admin.shared.execute("CREATE DATABASE \(name) TEMPLATE \(template)")
        return (url(of: name, on: server), { try? await Admin.shared.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    /// An empty PostgreSQL database (no migrations run), and how to throw it away.
    public static func emptyPostgres() async throws -> (url: String, drop: @Sendable () async -> Void) {
        let name = "e_" + Hex.encode(SecureRandom.bytes(8))
        try await Admin.shared.execute("CREATE DATABASE \(name)")
        return (url(of: name, on: postgresURL!), { try? await Admin.shared.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    static func url(of database: String, on server: String) -> String {
        var components = URLComponents(string: server)!
        components.path = "/\(database)"
        return components.string!
    }

    /// One connection pool to the server's own database, for creating and dropping the tests' databases.
    actor Admin {
        static let shared = Admin()
        /// One opening shared by every caller: an actor re-enters at each await, so a plain optional would let
        /// concurrent first callers open several pools.
        private var opening: Task<Store, any Error>?

        func execute(_ statement: String) async throws {
            if opening == nil {
                opening = Task {
                    // Every test of the run creates its database through this pool at about the same moment: a long
                    // queue, hence a long timeout.
                    try await Store.open(
                        try DatabaseLocation(url: TestDatabase.postgresURL!), poolSize: 2,
                        logger: Logger(label: "test-admin", factory: { _ in SwiftLogNoOpLogHandler() }), connectionTimeout: 600)
                }
            }
            try await opening!.value.executeForTesting(statement)
        }

        private var template: Task<String, any Error>?

        /// A database with every migration applied, made once per test process; each test's database is a copy
        /// (CREATE DATABASE … TEMPLATE), which is much faster than migrating afresh.
        func migratedTemplate() async throws -> String {
            if template == nil {
                template = Task {
                    let name = "tpl_" + Hex.encode(SecureRandom.bytes(6))
                    try await self.execute("CREATE DATABASE \(name)")
                    let store = try await Store.open(
                        try DatabaseLocation(url: TestDatabase.url(of: name, on: TestDatabase.postgresURL!)), poolSize: 2,
                        logger: Logger(label: "test-template", factory: { _ in SwiftLogNoOpLogHandler() }))
                    try await store.migrate()
                    await store.close()
                    return name
                }
            }
            return try await template!.value
        }
    }
}
