import ArgumentParser
import Foundation
import Logging
import PortcullisCore
import PortcullisServer

@main
struct PortcullisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portcullis",
        abstract: "An OAuth 2.0 authorization server that speaks ProcessMaker 3's and 4's REST authentication.",
        discussion: """
            Every command takes the configuration flags; each also reads its environment variable \
            (flag first, then environment, then default). The README's Configuration table lists them.
            """,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, WorkspaceCommand.self, UserCommand.self, ClientCommand.self, ResourceCommand.self,
            TokenCommand.self, KeysCommand.self,
        ]
    )

    /// A bad argument or a failure is one line on stderr and a non-zero exit; help goes to stdout.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            CLI.printError("portcullis: \(message)")
            Foundation.exit(code.rawValue)
        }
    }
}

/// Shared plumbing: resolve the configuration, set up logging once, open and bootstrap Portcullis.
enum CLI {
    static func configuration(_ options: ConfigurationOptions) throws -> Configuration {
        do {
            return try Configuration.resolve(flags: options.flags, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    nonisolated(unsafe) private static var loggingReady = false

    static func logger(_ configuration: Configuration, quiet: Bool) -> Logger {
        if !loggingReady {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            loggingReady = true
        }
        var logger = Logger(label: "portcullis")
        // Commands other than serve print their own results; their log shows only warnings unless asked.
        logger.logLevel = quiet && configuration.logLevel == .info ? .warning : configuration.logLevel
        return logger
    }

    /// Opens, migrates and bootstraps; prints the first super-admin's password if this run made it.
    static func open(_ options: ConfigurationOptions, quiet: Bool = true) async throws -> Portcullis {
        let configuration = try configuration(options)
        let logger = logger(configuration, quiet: quiet)
        let portcullis: Portcullis
        do {
            portcullis = try await Portcullis.open(configuration, logger: logger)
        } catch {
            throw CLIError("cannot open the data: \(error)")
        }
        do {
            let report = try await portcullis.bootstrap()
            announce(report, configuration: configuration)
        } catch let error as ValidationFailure {
            // A setting the operator must fix (PORTCULLIS_ADMIN_PASSWORD): its own line, not a database problem.
            await portcullis.close()
            throw CLIError(error.description)
        } catch {
            await portcullis.close()
            throw CLIError("cannot prepare the database: \(error)")
        }
        return portcullis
    }

    static func announce(_ report: BootstrapReport, configuration: Configuration) {
        if let workspace = report.createdWorkspace {
            printError("Created the workspace \"\(workspace)\".")
        }
        if let admin = report.createdAdmin {
            if let password = admin.generatedPassword {
                printError(
                    """

                    ┌──────────────────────────────────────────────────────────────────┐
                      Created the super-admin "\(admin.username)" in workspace "\(Workspace.defaultName)".
                      Password: \(password)
                      It is shown this once; sign in and keep it somewhere safe.
                    └──────────────────────────────────────────────────────────────────┘

                    """)
            } else {
                printError("Created the super-admin \"\(admin.username)\" with the password from PORTCULLIS_ADMIN_PASSWORD.")
            }
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Runs `body` with an open Portcullis and closes it after, whatever happens.
    static func with<T>(_ options: ConfigurationOptions, _ body: (Portcullis) async throws -> T) async throws -> T {
        let portcullis = try await open(options)
        do {
            let result = try await body(portcullis)
            await portcullis.close()
            return result
        } catch let error as ValidationFailure {
            await portcullis.close()
            throw CLIError(error.description)
        } catch let error as ResourceNotFound {
            await portcullis.close()
            throw CLIError(error.description)
        } catch {
            await portcullis.close()
            throw error
        }
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// What `client rotate-secret` and `resource rotate-secret` print: the new secret, shown this once.
    static func printNewSecret(_ secret: String, clientID: String, name: String, json: Bool) {
        if json {
            print(Self.json(["client_id": clientID, "client_secret": secret]))
        } else {
            print("New secret for \"\(name)\" (\(clientID)):")
            print("  client_secret: \(secret)")
            print("The old secret no longer works. This one is shown only now.")
        }
    }
}

/// A failure the user can act on: one line on stderr, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
