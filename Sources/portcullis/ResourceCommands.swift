import ArgumentParser
import Foundation
import PortcullisCore
import PortcullisServer

/// `portcullis resource …`: the APIs besides Portcullis's own that accept the workspace's tokens (issue 15).
struct ResourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resource", abstract: "Manage resource servers (APIs that accept this server's tokens, RFC 8707).",
        subcommands: [Create.self, List.self, MachineClients.self, RotateSecret.self, Delete.self])

    static func object(_ server: ResourceServer, workspace: String, secret: String?) -> [String: Any] {
        var object: [String: Any] = [
            "id": server.id, "uri": server.uri, "name": server.name, "workspace": workspace, "client_id": server.clientID,
            "scopes": server.scopes.map { ["name": $0.name, "description": $0.description] }, "machine_clients": server.machineClients,
        ]
        if let secret { object["client_secret"] = secret }
        return object
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a resource server; print its credentials for the revocation feed and introspection (the secret once).")
        @Option(help: "The resource indicator clients will send: an absolute http(s) URI without fragment, e.g. https://api.example.com/.")
        var uri: String
        @Option(help: "A name for the consent screen and the lists. Default: the URI.") var name: String?
        @Option(
            name: .customLong("scope"),
            help: "A scope the API defines, optionally with the words the consent screen shows: read:orders or \"read:orders=Read your orders\". Repeatable."
        ) var scopes: [String] = []
        @Option(
            name: .customLong("machine-client"),
            help: "A client (its client_id) that may get client-credentials tokens for this API acting for itself. Repeatable; none by default."
        ) var machineClients: [String] = []
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print one JSON object with client_id and client_secret.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let scopes = self.scopes.map { text -> ResourceScope in
                let parts = text.split(separator: "=", maxSplits: 1)
                return ResourceScope(name: String(parts.first ?? ""), description: parts.count == 2 ? String(parts[1]) : "")
            }
            try await CLI.with(options) { portcullis in
                let (server, secret) = try await portcullis.resourceAdministration.create(
                    ResourceServerRegistration(uri: uri, name: name, scopes: scopes, machineClients: machineClients),
                    in: try await portcullis.workspace(named: workspace))
                if json {
                    print(CLI.json(ResourceCommand.object(server, workspace: workspace, secret: secret)))
                    return
                }
                print("Registered the resource server \"\(server.name)\" (\(server.uri)) in workspace \"\(workspace)\".")
                print("  client_id:     \(server.clientID)")
                print("  client_secret: \(secret)")
                print("The secret is shown only now; the API reads the revocation feed and introspects with these.")
                if !server.scopes.isEmpty { print("  scopes:        \(server.scopes.map(\.name).joined(separator: " "))") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the resource servers of a workspace.")
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print a JSON array.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let servers = try await portcullis.resourceAdministration.list(in: try await portcullis.workspace(named: workspace))
                if json {
                    let data = try JSONSerialization.data(
                        withJSONObject: servers.map { ResourceCommand.object($0, workspace: workspace, secret: nil) },
                        options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                    return
                }
                for server in servers {
                    print("\(server.id)  \(server.uri)  \(server.name)  \(server.clientID)  [\(server.scopes.map(\.name).joined(separator: " "))]")
                }
                print("\(servers.count) resource server\(servers.count == 1 ? "" : "s") in workspace \"\(workspace)\".")
            }
        }
    }

    struct MachineClients: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "machine-clients",
            abstract:
                "Set the clients that may get client-credentials tokens for the API (none given: no client may); a client dropped loses the access tokens it holds."
        )
        @Argument(help: "The resource server's id (see `portcullis resource list`).") var id: Int
        @Argument(help: "client_ids, each a confidential client with the client_credentials grant.") var clientIDs: [String] = []
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let server = try await portcullis.resourceAdministration.setMachineClients(
                    clientIDs, id: id, in: try await portcullis.workspace(named: workspace))
                print(
                    "\(server.name) (\(server.uri)): machine clients \(server.machineClients.isEmpty ? "none" : server.machineClients.joined(separator: " ")).")
            }
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret", abstract: "Give a resource server a new secret (shown once); the old one stops working at once.")
        @Argument(help: "The resource server's id (see `portcullis resource list`).") var id: Int
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @Flag(help: "Print one JSON object with client_id and client_secret.") var json = false
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let (server, secret) = try await portcullis.resourceAdministration.regenerateSecret(
                    id: id, in: try await portcullis.workspace(named: workspace))
                CLI.printNewSecret(secret, clientID: server.clientID, name: server.name, json: json)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a resource server: new tokens for it are refused (invalid_target); its grants and its machine clients' access tokens are revoked."
        )
        @Argument(help: "The resource server's id (see `portcullis resource list`).") var id: Int
        @Option(help: "Workspace.") var workspace: String = Workspace.defaultName
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await CLI.with(options) { portcullis in
                let workspace = try await portcullis.workspace(named: self.workspace)
                let server = try await portcullis.resourceAdministration.server(id: id, in: workspace)
                try await portcullis.resourceAdministration.delete(id: id, in: workspace)
                print("Deleted the resource server \"\(server.name)\" (\(server.uri)).")
            }
        }
    }
}
