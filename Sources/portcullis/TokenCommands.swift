import ArgumentParser
import Foundation
import PortcullisCore
import PortcullisServer
import PortcullisStore
import PortcullisWire

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage personal access tokens.", subcommands: [Create.self, List.self, Revoke.self])

    static func user(_ username: String, _ workspace: String, _ portcullis: Portcullis) async throws -> (UserAccount, Workspace) {
        let place = try await portcullis.workspace(named: workspace)
        guard let user = try await portcullis.store.users.user(username: username, workspaceID: place.id) else {
            throw CLIError("there is no user \"\(username)\" in workspace \"\(workspace)\"")
        }
        return (user, place)
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a personal access token for a user (shown once).")
        @Option(help: "The user's username.") var user: String
        @Option(help: "A name for the token, unique among the user's live tokens.") var name: String
        @Option(name: .customLong("scope"), help: "A scope; repeatable: *, view_processes, edit_processes. Default: *.") var scopes: [String] = []
        @Option(name: .customLong("expires-in"), help: "Lifetime, like 30d, 90d or 365d (default 365d, or the workspace's maximum).")
        var expiresIn: String?
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print the same object as the API's create response: {\"accessToken\", \"token\"}.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            for scope in scopes where Scope(spelling: scope) == nil {
                throw ValidationError("unknown scope \"\(scope)\"; use *, view_processes or edit_processes")
            }
        }

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let (owner, place) = try await TokenCommand.user(user, workspace, portcullis)
                let maximum = try await portcullis.personalTokens.maximumDays(in: place)
                let lifetime: Int64
                do {
                    if let expiresIn {
                        lifetime = try Configuration.parseDuration(expiresIn, name: "expires-in", range: 86400...(Int64(maximum) * 86400))
                    } else {
                        lifetime = try await portcullis.personalTokens.defaultLifetime(in: place)
                    }
                } catch {
                    throw CLIError("\(error)")
                }
                let scope = ScopeSet((scopes.isEmpty ? ["*"] : scopes).compactMap { Scope(spelling: $0) })
                let (token, record) = try await portcullis.personalTokens.issue(
                    for: owner, name: name, scope: scope, lifetimeSeconds: lifetime, in: place)
                if json {
                    print(TokenCommand.encode(PersonalTokenCreated(accessToken: token, token: try await portcullis.resources([record])[0])))
                } else {
                    print(
                        "Created the token \"\(record.name)\" (id \(record.id)) for \(owner.username), scopes \(record.scope), expires "
                            + ISO8601.string(record.expiresAt) + ":")
                    print(token)
                    print("It is shown only now.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a user's personal access tokens.")
        @Option(help: "The user's username.") var user: String
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print the list as the API's `data` array, in `{\"data\": […]}`.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let (owner, _) = try await TokenCommand.user(user, workspace, portcullis)
                let resources = try await portcullis.resources(try await portcullis.store.personalTokens.tokens(userID: owner.id))
                if json {
                    print(TokenCommand.encode(["data": resources]))
                    return
                }
                if resources.isEmpty { print("\(owner.username) has no tokens.") }
                for token in resources {
                    let state = token.revoked ? "revoked" : "expires \(token.expiresAt)"
                    print("\(token.id)  \(token.name)  [\(token.scopes.joined(separator: " "))]  \(state)  last used \(token.lastUsedAt ?? "never")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a personal access token by its id.")
        @Argument(help: "The token's id (from token list).") var id: Int
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                guard let record = try await portcullis.store.personalTokens.token(id: id) else { throw CLIError("there is no token with id \(id)") }
                try await portcullis.personalTokens.revoke(record)
                print("Revoked the token \"\(record.name)\" (id \(record.id)); running servers refuse it within a second.")
            }
        }
    }
}
