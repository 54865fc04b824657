import ArgumentParser
import Hummingbird
import PortcullisServer
import PortcullisStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Migrate the database, then serve HTTP until SIGINT or SIGTERM.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let portcullis = try await CLI.open(options, quiet: false)
        let app = buildApplication(portcullis)
        do {
            try await app.runService()
        } catch {
            await portcullis.close()
            throw CLIError("the server stopped: \(error)")
        }
        await portcullis.close()
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Run the database migrations (and the first-start setup), then exit.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        try await CLI.with(options) { portcullis in
            let applied = try await portcullis.store.appliedMigrations()
            print("Database \(try portcullis.configuration.databaseLocation()) is at migration \(applied.last ?? "none") (\(applied.count) applied).")
        }
    }
}
