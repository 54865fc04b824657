import ArgumentParser
import Foundation
import PortcullisCore
import PortcullisServer
import PortcullisStore

struct WorkspaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace", abstract: "Manage workspaces.", subcommands: [Create.self, List.self, TokenLifetime.self])

    struct TokenLifetime: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token-lifetime", abstract: "Set the longest lifetime of personal access tokens in a workspace (or none).")
        @Argument(help: "The workspace.") var name: String
        @Argument(help: "A lifetime like 90d, or none for the global limit of 366 days.") var lifetime: String
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let workspace = try await portcullis.workspace(named: name)
                var days: Int?
                if lifetime.lowercased() != "none" {
                    do {
                        days = Int(try Configuration.parseDuration(lifetime, name: "lifetime", range: 86400...(366 * 86400)) / 86400)
                    } catch {
                        throw CLIError("\(error)")
                    }
                }
                try await portcullis.store.workspaceSettings.setMaximumPersonalTokenDays(days, workspaceID: workspace.id)
                print("Personal access tokens in \"\(name)\" now last at most \(days.map { "\($0) days" } ?? "366 days (the global limit)").")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a workspace.")
        @Argument(help: "The workspace name: a letter, then letters, digits, _ or -.") var name: String
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let workspace = try await portcullis.createWorkspace(named: name)
                print("Created the workspace \"\(workspace.name)\".")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the workspaces.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                for workspace in try await portcullis.store.workspaces.allWorkspaces() { print(workspace.name) }
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @Option(help: "Username: letters, digits and ASCII punctuation (RFC 8265); unique in the workspace, compared ignoring case and width.")
        var username: String
        @Option(help: "Password, at least 8 characters, no control characters.") var password: String
        @Option(help: "Email address.") var email: String?
        @Option(name: .customLong("first-name"), help: "First name.") var firstName: String = ""
        @Option(name: .customLong("last-name"), help: "Last name.") var lastName: String = ""
        @Flag(help: "Make the user a super admin (every permission).") var admin = false
        @Option(
            name: .customLong("permission"),
            help: ArgumentHelp("A permission to give; repeatable. One of: \(Permission.allCases.map(\.rawValue).joined(separator: ", ")).")
        ) var permissions: [String] = []
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            for name in permissions where Permission(rawValue: name) == nil {
                throw ValidationError("unknown permission \"\(name)\"; use one of \(Permission.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let user = try await portcullis.createUser(
                    username: username, password: password, email: email, firstName: firstName, lastName: lastName,
                    isSuperAdmin: admin, permissions: Set(permissions.compactMap(Permission.init(rawValue:))),
                    in: try await portcullis.workspace(named: workspace))
                print("Created the user \"\(user.username)\" (id \(user.id)) in workspace \"\(workspace)\"\(admin ? " as a super admin" : "").")
            }
        }
    }
}

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage auth clients (applications).",
        subcommands: [Create.self, List.self, RotateSecret.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the auth clients of a workspace.")
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print a JSON array.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let clients = try await portcullis.store.clients.clients(workspaceID: try await portcullis.workspace(named: workspace).id)
                if json {
                    let objects: [[String: Any]] = clients.map {
                        [
                            "client_id": $0.clientID, "name": $0.name, "grants": $0.grants.names, "redirect_uris": $0.redirectURIs,
                            "public": !$0.isConfidential, "may_introspect": $0.mayIntrospect,
                        ]
                    }
                    let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                    return
                }
                if clients.isEmpty { print("No auth clients in workspace \"\(workspace)\".") }
                for client in clients {
                    print(
                        "\(client.clientID)  \(client.name)  [\(client.grants.names.joined(separator: ", "))]\(client.isConfidential ? "" : " public")"
                            + (client.mayIntrospect ? " may-introspect" : "")
                            + (client.redirectURIs.isEmpty ? "" : "  \(client.redirectURIs.joined(separator: " "))"))
                }
                print("\(clients.count) client\(clients.count == 1 ? "" : "s").")
            }
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret", abstract: "Give a client a new secret (shown once); the old one stops working at once.")
        @Argument(help: "The client id.") var clientID: String
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print one JSON object with client_id and client_secret.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let client = try await portcullis.client(clientID, in: try await portcullis.workspace(named: workspace))
                let secret = try await portcullis.clientAdministration.regenerateSecret(of: client)
                CLI.printNewSecret(secret, clientID: client.clientID, name: client.name, json: json)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a client and revoke every token it issued.")
        @Argument(help: "The client id.") var clientID: String
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let client = try await portcullis.client(clientID, in: try await portcullis.workspace(named: workspace))
                try await portcullis.clientAdministration.delete(client)
                print("Deleted \"\(client.name)\" (\(client.clientID)); its tokens are revoked (running servers refuse them within a second).")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client and print its id and secret (the secret is shown once).")
        @Option(help: "Name; unique in the workspace.") var name: String
        @Option(help: "Description.") var description: String?
        @Option(help: "The application's home page, http(s).") var website: String?
        @Option(name: .customLong("redirect-uri"), help: "A redirect URI; repeatable. https, or http on 127.0.0.1 / [::1].")
        var redirectURIs: [String] = []
        @Option(
            name: .customLong("grant"),
            help: ArgumentHelp(
                "A grant to switch on; repeatable: \(GrantTable.switchNames.joined(separator: ", ")). Default: password and client_credentials (authorization_code too when a redirect URI is given)."
            )
        ) var grants: [String] = []
        @Flag(name: .customLong("public"), help: "A public client: no secret, PKCE required.") var isPublic = false
        @Flag(name: .customLong("skip-consent"), help: "First-party application: do not show the consent screen.") var skipConsent = false
        @Flag(
            name: .customLong("may-introspect"),
            help:
                "A resource server: may introspect tokens issued to other clients of the workspace (RFC 7662 §4). Without it a client learns only about its own tokens."
        ) var mayIntrospect = false
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print one JSON object with client_id and client_secret.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            for grant in grants where ClientGrants(name: grant) == nil {
                throw ValidationError(
                    "unknown grant \"\(grant)\"; use \(GrantTable.sentence(GrantTable.switchNames))")
            }
        }

        var selectedGrants: ClientGrants {
            if !grants.isEmpty { return ClientGrants(grants.compactMap(ClientGrants.init(name:))) }
            var defaults: ClientGrants = isPublic ? [.password] : [.password, .clientCredentials]
            if !redirectURIs.isEmpty { defaults.insert(.authorizationCode) }
            return defaults
        }

        func run() async throws {
            let registration = ClientRegistration(
                name: name, description: description, website: website, redirectURIs: redirectURIs, grants: selectedGrants,
                isConfidential: !isPublic, skipsConsent: skipConsent, mayIntrospect: mayIntrospect)
            try await CLI.with(options) { portcullis in
                let registered = try await portcullis.registerClient(registration, in: try await portcullis.workspace(named: workspace))
                let client = registered.client
                if json {
                    var object: [String: Any] = [
                        "client_id": client.clientID, "name": client.name, "workspace": workspace,
                        "grants": client.grants.names, "redirect_uris": client.redirectURIs, "public": !client.isConfidential,
                        "may_introspect": client.mayIntrospect,
                    ]
                    object["client_secret"] = registered.secret ?? NSNull()
                    print(CLI.json(object))
                } else {
                    print("Created the client \"\(client.name)\" in workspace \"\(workspace)\".")
                    print("  client_id:     \(client.clientID)")
                    if let secret = registered.secret {
                        print("  client_secret: \(secret)")
                        print("The secret is shown only now; store it where the application can read it.")
                    } else {
                        print("  (public client: no secret; it must use PKCE)")
                    }
                    print("  grants:        \(client.grants.names.joined(separator: ", "))")
                    if !client.redirectURIs.isEmpty { print("  redirect URIs: \(client.redirectURIs.joined(separator: " "))") }
                    if client.mayIntrospect { print("  may introspect other clients' tokens") }
                }
            }
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the keys that sign access tokens.", subcommands: [Rotate.self, List.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new active signing key; the old one stays published until its tokens have expired.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let key = try await portcullis.keyManager.rotate()
                print("New active signing key \(key.kid) (\(key.algorithm.rawValue)); running servers use it within a second.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List signing keys.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let now = portcullis.clock.now()
                print("KID                  ALG    STATE     CREATED               PUBLISHED UNTIL")
                for key in try await portcullis.store.signingKeys.allKeys() {
                    let until: String
                    switch key.state {
                    case .active: until = "(active)"
                    case .retired: until = (key.publishUntil ?? 0) > now ? ISO8601.string(key.publishUntil ?? 0) : "no longer published"
                    }
                    let columns = [
                        key.kid.padding(toLength: 20, withPad: " ", startingAt: 0),
                        key.algorithm.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0),
                        key.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                        ISO8601.string(key.createdAt).padding(toLength: 21, withPad: " ", startingAt: 0), until,
                    ]
                    print(columns.joined(separator: " "))
                }
            }
        }
    }
}

enum ISO8601 {
    static func string(_ seconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
