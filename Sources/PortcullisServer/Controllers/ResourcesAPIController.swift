import Foundation
import Hummingbird
import PortcullisCore
import PortcullisWire

/// Resource servers (issue 15) beside the clients API: `/oauth/resources` and `/oauth/resources/{id}`. Every route
/// needs `Requirement.manageResources` (a super admin), declared here and decided in Core.
struct ResourcesAPIController {
    let portcullis: Portcullis

    func addRoutes(to api: RouterGroup<APIRequestContext>) {
        let admin = api.requiring(.manageResources)
        admin.getAndHead("/oauth/resources") { _, context in
            let servers = try await portcullis.resourceAdministration.list(in: context.workspace)
            return Responses.json(["data": servers.map { Self.resource($0, secret: nil) }])
        }
        admin.post("/oauth/resources") { request, context in
            let input = try await ResourceInput.decode(request)
            let (server, secret) = try await portcullis.resourceAdministration.create(input.registration, in: context.workspace)
            return Responses.json(Self.resource(server, secret: secret), status: .created, headers: Responses.noStore)
        }
        admin.getAndHead("/oauth/resources/{id}") { _, context in
            Responses.json(Self.resource(try await portcullis.resourceAdministration.server(id: id(context), in: context.workspace), secret: nil))
        }
        admin.delete("/oauth/resources/{id}") { _, context in
            try await portcullis.resourceAdministration.delete(id: id(context), in: context.workspace)
            return Response(status: .noContent)
        }
    }

    private func id(_ context: APIRequestContext) throws -> Int {
        // Only the canonical spelling names a resource server: "01" and "+1" are not 1 (attacker's pass, issue 15).
        guard let text = context.parameters.get("id"), let id = Int(text), id > 0, String(id) == text else {
            throw ResourceNotFound("No resource server with this id")
        }
        return id
    }

    static func resource(_ server: ResourceServer, secret: String?) -> ResourceServerResource {
        ResourceServerResource(
            id: server.id, uri: server.uri, name: server.name,
            scopes: server.scopes.map { ResourceScopeResource(name: $0.name, description: $0.description) }, clientID: server.clientID,
            clientSecret: secret, machineClients: server.machineClients, createdAt: Responses.date(server.createdAt))
    }
}

/// `{"uri": …, "name": …, "scopes": [{"name": …, "description": …}] }`; a scope may also be a bare name.
struct ResourceInput: Decodable {
    var uri: String
    var name: String?
    var scopes: [ScopeInput]?
    var machineClients: [String]?

    enum CodingKeys: String, CodingKey {
        case uri, name, scopes
        case machineClients = "machine_clients"
    }

    struct ScopeInput: Decodable {
        var name: String
        var description: String?

        init(from decoder: any Decoder) throws {
            if let bare = try? decoder.singleValueContainer().decode(String.self) {
                name = bare
                description = nil
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
        }

        enum CodingKeys: String, CodingKey { case name, description }
    }

    var registration: ResourceServerRegistration {
        ResourceServerRegistration(
            uri: uri, name: name, scopes: (scopes ?? []).map { ResourceScope(name: $0.name, description: $0.description ?? "") },
            machineClients: machineClients ?? [])
    }

    static func decode(_ request: Request) async throws -> ResourceInput {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: RequestParameters.maximumBodySize)
        } catch {
            throw APIError.badRequest("The request body is larger than 64 KiB")
        }
        guard (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/json") else {
            throw APIError.badRequest("Send the resource server as application/json")
        }
        let bytes = Array(buffer.readableBytesView)
        let input: ResourceInput
        do {
            input = try JSONDecoder().decode(ResourceInput.self, from: Data(bytes))
        } catch {
            throw ValidationFailure(field: "uri", message: "The body must be a JSON object with a uri string (and optional name and scopes).")
        }
        guard !RequestParameters.repeatsTopLevelKey(bytes) else { throw APIError.badRequest("A field was sent more than once") }
        return input
    }
}
