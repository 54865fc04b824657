import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
public import Logging
public import NIOCore
public import NIOPosix
public import PortcullisCore
import PostgresNIO
import SQLKit

/// Where the data lives.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file, in WAL mode.
    case sqlite(path: String)
    /// A PostgreSQL server, `postgres://user:password@host:port/database`.
    case postgres(url: String)

    /// Reads `DATABASE_URL`-style text: `sqlite:///path`, `sqlite:relative/path`, a bare path, or `postgres://…`.
    public init(url: String) throws(StoreError) {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else if url.hasPrefix("sqlite://") {
            self = .sqlite(path: String(url.dropFirst("sqlite://".count)))
        } else if url.hasPrefix("sqlite:") {
            self = .sqlite(path: String(url.dropFirst("sqlite:".count)))
        } else if !url.contains("://") {
            self = .sqlite(path: url)
        } else {
            throw .unsupportedDatabaseURL
        }
    }

    /// Never prints a password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url):
            if let parsed = URLComponents(string: url) {
                "postgres://\(parsed.host ?? "?"):\(parsed.port ?? 5432)\(parsed.path)"
            } else {
                "postgres://…"
            }
        }
    }
}

/// Why the store could not open.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case unsupportedDatabaseURL
    case cannotCreateDirectory(String)
    case unreachable(String)
    case cannotLock(String)
    case migration(String)

    public var description: String {
        switch self {
        case .unsupportedDatabaseURL: "DATABASE_URL must start with postgres:// or sqlite:, or be a file path"
        case .cannotCreateDirectory(let path): "cannot create the folder \(path)"
        case .unreachable(let detail): "the database is unreachable: \(detail)"
        case .cannotLock(let path): "cannot take the migration lock \(path) (another process has held it for two minutes, or it cannot be created)"
        case .migration(let detail): "cannot migrate the database: \(detail)"
        }
    }
}

/// The database: FluentKit on SQLite or PostgreSQL, one schema, one set of migrations.
public final class Store: Sendable {
    public let location: DatabaseLocation
    let databases: Databases
    let threadPool: NIOThreadPool
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let writeGate = WriteGate()
    /// SQLite's write transactions, grouped into one commit each while others are committing.
    let groupCommit = GroupCommit()

    public var isPostgres: Bool {
        if case .postgres = location { return true }
        return false
    }

    /// Opens the database; for SQLite, creates its folder and turns on WAL mode.
    public static func open(
        _ location: DatabaseLocation, poolSize: Int = 4, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, connectionTimeout: Int64 = 10
    ) async throws -> Store {
        let threadPool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
        threadPool.start()
        let databases = Databases(threadPool: threadPool, on: eventLoopGroup)
        switch location {
        case .sqlite(let path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            do {
                // The owner's alone when made here, whatever the umask: it holds secret.key too (third attacker's pass).
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.cannotCreateDirectory(folder)
            }
            // A new database file is the owner's alone (0600, like secret.key): it holds the password and secret
            // hashes and the sessions. SQLite gives its -wal and -shm files the same mode. An existing file keeps the
            // mode its operator chose (the second attacker's pass found 0644).
            let descriptor = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if descriptor >= 0 { Glibc.close(descriptor) }
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(connectionTimeout), sqlLogLevel: nil), as: .sqlite)
        case .postgres(let url):
            let configuration = try SQLPostgresConfiguration(url: url)
            databases.use(
                .postgres(
                    configuration: configuration, maxConnectionsPerEventLoop: max(1, poolSize / max(1, System.coreCount)),
                    connectionPoolTimeout: .seconds(connectionTimeout), sqlLogLevel: .trace),
                as: .psql)
        }
        // SQL statements and their bound values never reach the log: some values are hashes of secrets.
        var databaseLogger = logger
        if databaseLogger.logLevel < .notice { databaseLogger.logLevel = .notice }
        let store = Store(
            location: location, databases: databases, threadPool: threadPool, eventLoopGroup: eventLoopGroup, logger: databaseLogger)
        if case .sqlite = location {
            // WAL lets readers run beside the one writer, and the CLI work beside the server. It is a
            // property of the file, so setting it once is enough. synchronous stays FULL (the default), so
            // a commit the client was told about survives power loss.
            _ = try await store.sql.raw("PRAGMA journal_mode=WAL").all()
            // sqlite-nio's busy handler retries at once, spinning a database thread while another connection (or the
            // CLI) holds the write lock. SQLite's own timeout sleeps between retries instead. It is a per-connection
            // setting: the pool keeps one connection per event loop, so set it on each.
            for loop in eventLoopGroup.makeIterator() {
                let db = databases.database(logger: databaseLogger, on: loop)! as! any SQLDatabase
                _ = try await db.raw("PRAGMA busy_timeout = 10000").all()
            }
        }
        return store
    }

    private init(location: DatabaseLocation, databases: Databases, threadPool: NIOThreadPool, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.location = location
        self.databases = databases
        self.threadPool = threadPool
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// A database handle on any event loop.
    var db: any Database {
        databases.database(logger: logger, on: eventLoopGroup.any())!
    }

    /// The same handle as SQLKit, for the hand-written hot paths.
    var sql: any SQLDatabase { db as! any SQLDatabase }

    /// Runs every migration that has not run yet. Safe to call on every start, from several processes.
    public func migrate() async throws { try await migrate(PortcullisMigrations.all) }

    /// Runs the given migrations; tests use it to build a database as an older version left it.
    func migrate(_ list: [any Migration]) async throws {
        let migrations = Migrations()
        migrations.add(list)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoopGroup.any(), migrationLogLevel: .debug)
        // Processes started together (a server and a CLI command, several instances) would otherwise race to create
        // the same tables, and all but one would fail. One migrates while the others wait; they then find nothing
        // left to do.
        switch location {
        case .sqlite(let path):
            // An exclusive lock on a file beside the database (each statement is atomic, a migration is not).
            let lock = try await MigrationFileLock.acquire(path + ".migrate-lock")
            defer { lock.release() }
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
        case .postgres(let url):
            // An advisory lock, held on a connection of its own (not the pool's, which the migrator needs); closing
            // the session releases it.
            let connection = try await PostgresConnection.connect(
                on: eventLoopGroup.any(), configuration: try SQLPostgresConfiguration(url: url).coreConfiguration, id: 0, logger: logger)
            do {
                _ = try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLockKey))", logger: logger)
                try await migrator.setupIfNeeded().get()
                try await migrator.prepareBatch().get()
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        }
    }

    /// The advisory lock migrations hold on PostgreSQL ("pcl" + 1 in ASCII, an arbitrary constant of ours).
    static let migrationLockKey: Int64 = 0x7063_6C01

    /// The names of migrations that have run, in order.
    public func appliedMigrations() async throws -> [String] {
        try await sql.raw("SELECT name FROM _fluent_migrations ORDER BY batch, created_at").all().map {
            try $0.decode(column: "name", as: String.self)
        }
    }

    /// Runs `body` in a transaction that takes the write lock at once: `BEGIN IMMEDIATE` on SQLite, so two
    /// writers never deadlock upgrading a read lock; a plain transaction on PostgreSQL.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let postgres = isPostgres
        if postgres { return try await runTransaction(postgres: true, body) }
        return try await groupCommit.run(body) { batch in
            try await self.writeGate.withLock { try await self.runTransaction(postgres: false, batch) }
        }
    }

    private func runTransaction<T: Sendable>(postgres: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.withConnection { connection in
            let sql = connection as! any SQLDatabase
            try await sql.raw(postgres ? "BEGIN" : "BEGIN IMMEDIATE").run()
            do {
                let result = try await body(sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Closes every connection and the thread pool.
    public func close() async {
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
    }

    // MARK: Repositories

    public var workspaces: any WorkspaceRepository { WorkspaceStore(store: self) }
    public var users: any UserRepository { UserStore(store: self) }
    public var clients: any ClientRepository { ClientStore(store: self) }
    public var grants: any GrantRepository { GrantStore(store: self) }
    public var resourceServers: any ResourceServerRepository { ResourceServerStore(store: self) }
    public var revocations: any RevocationRepository { RevocationStore(store: self) }
    public var signingKeys: any SigningKeyRepository { SigningKeyStore(store: self) }
}

extension Error {
    /// Whether the database refused a write because of a unique index.
    var isUniqueViolation: Bool {
        if let error = self as? any DatabaseError, error.isConstraintFailure { return true }
        let text = String(reflecting: self)
        return text.contains("UNIQUE constraint failed") || text.contains("23505")
    }
}

extension Store {
    /// Runs one statement that takes no input; for test fixtures (creating and dropping databases).
    public func executeForTesting(_ statement: String) async throws {
        try await sql.raw(SQLQueryString(statement)).run()
    }
}

/// An exclusive `flock` on a file: the SQLite migrations' lock between processes. The kernel drops it when the
/// process dies, so a crash mid-migration never leaves the next start waiting.
struct MigrationFileLock {
    let descriptor: Int32

    static func acquire(_ path: String, timeout: Duration = .seconds(120)) async throws -> MigrationFileLock {
        let descriptor = Glibc.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.cannotLock(path) }
        let deadline = ContinuousClock.now + timeout
        // Non-blocking attempts with a pause between: a blocking flock would hold one of the few threads that
        // run async code.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < deadline else {
                Glibc.close(descriptor)
                throw StoreError.cannotLock(path)
            }
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                Glibc.close(descriptor)
                throw error
            }
        }
        return MigrationFileLock(descriptor: descriptor)
    }

    func release() {
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
    }
}
