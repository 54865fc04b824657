import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisStore
import PortcullisWire

/// The auth clients API as ProcessMaker 4 has it: `/oauth/clients` and `/oauth/clients/{id}`, for the pages'
/// own calls (session plus X-CSRF-TOKEN) and for bearer tokens whose user has the permissions.
struct ClientsAPIController {
    let portcullis: Portcullis

    func addRoutes(to api: RouterGroup<APIRequestContext>) {
        api.requiring(.seeClients).getAndHead("/oauth/clients") { _, context in
            let clients = try await portcullis.clientAdministration.list(for: context.user, in: context.workspace)
            return Responses.json(["data": clients.map { Self.resource($0, secret: nil) }])
        }
        api.requiring(.createClients).post("/oauth/clients") { request, context in
            let input = try await ClientInput.decode(request)
            let registration = try input.registration(base: nil)
            let (client, secret) = try await portcullis.clientAdministration.register(
                registration, owner: context.user.id, by: context.user, in: context.workspace)
            return Responses.json(Self.resource(client, secret: secret), status: .created, headers: Responses.noStore)
        }
        api.getAndHead("/oauth/clients/{id}") { _, context in
            let client = try await target(context, may: ClientAdministration.mayView, permission: .viewAuthClients)
            return Responses.json(Self.resource(client, secret: nil))
        }
        api.put("/oauth/clients/{id}") { request, context in
            let client = try await target(context, may: portcullis.clientAdministration.mayEdit, permission: .editAuthClients)
            let input = try await ClientInput.decode(request)
            let registration = try input.registration(base: client)
            let (updated, secret) = try await portcullis.clientAdministration.update(client, with: registration, by: context.user)
            return Responses.json(Self.resource(updated, secret: secret), headers: Responses.noStore)
        }
        api.delete("/oauth/clients/{id}") { _, context in
            let client = try await target(context, may: portcullis.clientAdministration.mayDelete, permission: .deleteAuthClients)
            try await portcullis.clientAdministration.delete(client)
            return Response(status: .noContent)
        }
    }

    /// The `{id}` client of the caller's workspace that the caller may act on; 404 when it is not there, 403 when the
    /// caller may not (Core's `ClientAdministration` rules).
    private func target(
        _ context: APIRequestContext, may: (OAuthClient, UserAccount) -> Bool, permission: Permission
    ) async throws -> OAuthClient {
        try await portcullis.clientAdministration.target(
            id: context.parameters.get("id") ?? "", in: context.workspace, for: context.user, may: may, permission: permission)
    }

    static func resource(_ client: OAuthClient, secret: String?) -> ClientResource {
        ClientResource(
            clientID: client.clientID, name: client.name, description: client.description, website: client.website,
            redirectURIs: client.redirectURIs, grants: client.grants.names,
            types: client.grants.pm4Types, isPublic: !client.isConfidential,
            skipConsent: client.skipsConsent, mayIntrospect: client.mayIntrospect, userID: client.ownerUserID, createdAt: Responses.date(client.createdAt),
            updatedAt: Responses.date(client.updatedAt), secret: secret)
    }
}

/// A client body: ProcessMaker 4's `{"name", "redirect", "types": […]}` or Portcullis's own fields.
struct ClientInput: Decodable {
    var name: String?
    var description: String?
    var website: String?
    var redirect: String?
    var redirectURIs: [String]?
    var types: [String]?
    var grants: [String]?
    var `public`: Bool?
    var skipConsent: Bool?
    var mayIntrospect: Bool?

    enum CodingKeys: String, CodingKey {
        case name, description, website, redirect, types, grants
        case redirectURIs = "redirect_uris"
        case `public`
        case skipConsent = "skip_consent"
        case mayIntrospect = "may_introspect"
    }

    static func decode(_ request: Request) async throws -> ClientInput {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: RequestParameters.maximumBodySize)
        } catch {
            throw APIError.badRequest("The request body is larger than 64 KiB")
        }
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") || type.hasPrefix("multipart/form-data") {
            // Forms have no arrays: grants and types arrive comma-separated, like `redirect`.
            let fields: [String: String]
            do { fields = try await RequestParameters.parse(Request(head: request.head, body: .init(buffer: buffer))) } catch {
                throw APIError.badRequest(error.description)
            }
            func list(_ name: String) -> [String]? { fields[name].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }
            func flag(_ name: String) -> Bool? { fields[name].map { ["1", "true", "on", "yes"].contains($0.lowercased()) } }
            return ClientInput(
                name: fields["name"], description: fields["description"], website: fields["website"], redirect: fields["redirect"],
                redirectURIs: nil, types: list("types"), grants: list("grants"), public: flag("public"), skipConsent: flag("skip_consent"),
                mayIntrospect: flag("may_introspect"))
        }
        let input: ClientInput
        do {
            input = try JSONDecoder().decode(ClientInput.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("The body must be a JSON object with name, redirect and types (or grants)")
        }
        guard !RequestParameters.repeatsTopLevelKey(Array(buffer.readableBytesView)) else {
            throw APIError.badRequest("A field was sent more than once")
        }
        return input
    }

    init(
        name: String?, description: String?, website: String?, redirect: String?, redirectURIs: [String]?, types: [String]?,
        grants: [String]?, public: Bool?, skipConsent: Bool?, mayIntrospect: Bool?
    ) {
        self.name = name
        self.description = description
        self.website = website
        self.redirect = redirect
        self.redirectURIs = redirectURIs
        self.types = types
        self.grants = grants
        self.public = `public`
        self.skipConsent = skipConsent
        self.mayIntrospect = mayIntrospect
    }

    /// The registration this input asks for; on an edit, fields not sent keep the client's values.
    func registration(base: OAuthClient?) throws -> ClientRegistration {
        var unknown: [String] = []
        var switches: ClientGrants?
        for name in (types ?? []) + (grants ?? []) {
            guard let grant = ClientGrants(name: name) else {
                unknown.append(name)
                continue
            }
            switches = (switches ?? []).union(grant)
        }
        if !unknown.isEmpty {
            throw ValidationFailure([("types", ["Unknown grant types: \(unknown.joined(separator: ", ")). Use \(GrantTable.sentence(GrantTable.pm4Types))."])])
        }
        if types != nil || grants != nil, switches == nil { switches = [] }
        var uris = redirectURIs
        if uris == nil, let redirect {
            uris = redirect.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
        }
        return ClientRegistration(
            name: name ?? base?.name ?? "", description: (description ?? base?.description).flatMap { $0.isEmpty ? nil : $0 },
            website: (website ?? base?.website).flatMap { $0.isEmpty ? nil : $0 }, redirectURIs: uris ?? base?.redirectURIs ?? [],
            grants: switches ?? base?.grants ?? [], isConfidential: !(self.public ?? !(base?.isConfidential ?? true)),
            skipsConsent: skipConsent ?? base?.skipsConsent ?? false, mayIntrospect: mayIntrospect ?? base?.mayIntrospect ?? false)
    }
}
