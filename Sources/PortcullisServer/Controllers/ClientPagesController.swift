import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import PortcullisCore
import PortcullisStore

/// The Auth Clients pages (seed 004; seed 000's `/sys{workspace}/{lang}/{skin}/oauth2/applications`): list, create,
/// edit, a new secret, delete. Every change is a form post with the session's CSRF token, answered with a 303.
struct ClientPagesController {
    let portcullis: Portcullis
    let views: Views

    static let pm4Base = "/admin/auth-clients"
    static let pm3Base = "/sys{workspace}/{lang}/{skin}/oauth2/applications"

    func addRoutes(to web: some RouterMethods<AppRequestContext>) {
        for (pattern, pm3) in [(Self.pm4Base, false), (Self.pm3Base, true)] {
            web.get(RouterPath(pattern)) { request, context in try await run(request, context, pm3) { try await list($0, $1) } }
            web.get(RouterPath(pattern + "/new")) { request, context in try await run(request, context, pm3) { try await newForm($0, $1) } }
            web.post(RouterPath(pattern)) { request, context in try await run(request, context, pm3) { try await create(request, $0, $1) } }
            web.get(RouterPath(pattern + "/{id}/edit")) { request, context in
                try await run(request, context, pm3) { try await editForm(context, $0, $1) }
            }
            web.post(RouterPath(pattern + "/{id}")) { request, context in
                try await run(request, context, pm3) { try await update(request, context, $0, $1) }
            }
            web.get(RouterPath(pattern + "/{id}/secret")) { request, context in
                try await run(request, context, pm3) { try await showSecret(context, $0, $1) }
            }
            web.post(RouterPath(pattern + "/{id}/regenerate")) { request, context in
                try await run(request, context, pm3) { try await regenerate(request, context, $0, $1) }
            }
            web.get(RouterPath(pattern + "/{id}/delete")) { request, context in
                try await run(request, context, pm3) { try await confirmDelete(context, $0, $1) }
            }
            web.post(RouterPath(pattern + "/{id}/delete")) { request, context in
                try await run(request, context, pm3) { try await delete(request, context, $0, $1) }
            }
        }
    }

    /// Where a page request stands: the workspace, the signed-in user, the concrete base path of this dialect.
    struct Place {
        let signedIn: SignedIn
        let base: String
        /// A POST's form fields, read once (a request body can be consumed only once).
        var fields: [String: String] = [:]
        var user: UserAccount { signedIn.user }
        var workspace: Workspace { signedIn.workspace }
    }

    private func run(
        _ request: Request, _ context: AppRequestContext, _ pm3: Bool, _ body: (Place, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        let workspaceName = pm3 ? (context.parameters.get("workspace") ?? "") : Workspace.defaultName
        guard let workspace = try await portcullis.resolveWorkspace(named: workspaceName) else { return Response(status: .serviceUnavailable) }
        let base = pm3
            ? "/sys\(workspace.name)/\(context.parameters.get("lang") ?? "en")/\(context.parameters.get("skin") ?? "neoclassic")/oauth2/applications"
            : Self.pm4Base
        guard let signedIn = try await portcullis.signedIn(context, in: workspace) else {
            let back = request.method == .get ? request.pathAndQuery : base
            if pm3 {
                return Views.seeOther(
                    "/sys\(workspace.name)/en/neoclassic/login/login?" + AuthorizationRedirect.encode([("u", portcullis.configuration.resolvedIssuer + back)]))
            }
            return Views.seeOther("/login?" + AuthorizationRedirect.encode([("redirect", back)]))
        }
        var place = Place(signedIn: signedIn, base: base)
        if request.method == .post {
            let fields: [String: String]
            do {
                fields = try await RequestParameters.parse(request)
            } catch {
                return page(place, "error", ["heading": "This form cannot be read", "message": error.description], status: .badRequest)
            }
            guard let sent = fields["csrf"], ConstantTime.equals(sent, signedIn.session.csrfToken) else {
                return forbidden(place, "This form has expired. Go back, reload the page and try again.")
            }
            place.fields = fields
        }
        do {
            return try await body(place, context)
        } catch let error as PageError {
            switch error {
            case .forbidden(let message): return forbidden(place, message)
            case .notFound: return page(place, "error", ["heading": "Not found", "message": "There is no such auth client."], status: .notFound)
            }
        }
    }

    enum PageError: Error {
        case forbidden(String)
        case notFound
    }

    private func forbidden(_ place: Place, _ message: String) -> Response {
        page(place, "error", ["heading": "You may not do this", "message": message], status: .forbidden)
    }

    private func page(_ place: Place, _ template: String, _ extra: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var context = portcullis.layoutContext(place.signedIn)
        context["base"] = place.base
        context.merge(extra) { $1 }
        return views.page(template, context, status: status)
    }

    private func target(_ context: AppRequestContext, _ place: Place, may: (OAuthClient, UserAccount) -> Bool) async throws -> OAuthClient {
        guard let client = try await portcullis.store.clients.client(clientID: context.parameters.get("id") ?? "", workspaceID: place.workspace.id) else {
            if ClientAdministration.visibility(for: place.user) == .none { throw PageError.forbidden("You may not manage auth clients.") }
            throw PageError.notFound
        }
        guard may(client, place.user) else { throw PageError.forbidden("You may not change this auth client.") }
        return client
    }

    /// Reads and clears the session's notice.
    private func takeNotice(_ context: AppRequestContext) -> String? {
        let notice = context.sessions.session?.notice
        if notice != nil { context.sessions.withLockedSession { $0?.notice = nil } }
        return notice
    }

    private func setNotice(_ context: AppRequestContext, _ text: String) {
        context.sessions.withLockedSession { $0?.notice = text }
    }

    // MARK: Pages

    func list(_ place: Place, _ context: AppRequestContext) async throws -> Response {
        guard ClientAdministration.visibility(for: place.user) != .none else {
            throw PageError.forbidden("You need the permission to view auth clients (view-auth_clients).")
        }
        let clients = try await portcullis.clientAdministration.list(for: place.user, in: place.workspace)
        var extra: [String: Any] = [
            "mayCreate": ClientAdministration.mayCreate(place.user),
            "hasClients": !clients.isEmpty,
            "clients": clients.map { client -> [String: Any] in
                [
                    "clientID": client.clientID, "name": client.name, "description": client.description ?? "", "public": !client.isConfidential,
                    "grants": client.grants.names.map { $0.replacingOccurrences(of: "_", with: " ") }, "redirects": client.redirectURIs,
                    "mayEdit": ClientAdministration.mayEdit(client, place.user),
                    "mayRegenerate": ClientAdministration.mayEdit(client, place.user) && client.isConfidential,
                    "mayDelete": ClientAdministration.mayDelete(client, place.user),
                ]
            },
        ]
        if let notice = takeNotice(context) { extra["notice"] = notice }
        return page(place, "clients", extra)
    }

    private func formContext(
        _ heading: String, action: String, registration: ClientRegistration, errors: [(field: String, messages: [String])], mayTrust: Bool
    ) -> [String: Any] {
        [
            // The skip-consent and introspection switches: shown only to whoever may set them (a super admin).
            "mayTrust": mayTrust, "mayIntrospect": registration.mayIntrospect,
            "heading": heading, "action": action, "name": registration.name, "description": registration.description ?? "",
            "website": registration.website ?? "", "redirect": registration.redirectURIs.joined(separator: "\n"),
            // Every key in each row, so that Mustache never falls back to the form's own `name`.
            "grants": GrantTable.switches.map { row -> [String: Any] in
                [
                    "name": row.name, "label": row.formLabel ?? row.name, "needsRedirectURI": row.needsRedirectURI,
                    "checked": row.clientSwitch.map(registration.grants.contains) ?? false,
                ]
            },
            "isPublic": !registration.isConfidential, "skipConsent": registration.skipsConsent, "hasErrors": !errors.isEmpty,
            "errors": Dictionary(errors.map { ($0.field, $0.messages) }, uniquingKeysWith: +),
        ]
    }

    func newForm(_ place: Place, _ context: AppRequestContext) async throws -> Response {
        guard ClientAdministration.mayCreate(place.user) else { throw PageError.forbidden("You need the permission to create auth clients (create-auth_clients).") }
        return page(place, "client-form", formContext(
                "Create an Auth Client", action: place.base, registration: ClientRegistration(name: "", grants: []), errors: [],
                mayTrust: ClientAdministration.mayTrustClients(place.user)))
    }

    /// The form's fields as a registration.
    private func registration(_ fields: [String: String]) -> ClientRegistration {
        var grants: ClientGrants = []
        for row in GrantTable.switches where fields["grant_\(row.name)"] != nil { grants.insert(row.clientSwitch ?? []) }
        let uris = (fields["redirect"] ?? "").split(whereSeparator: { $0.isNewline || $0 == " " || $0 == "," }).map(String.init)
        func optional(_ name: String) -> String? {
            let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return value.isEmpty ? nil : value
        }
        return ClientRegistration(
            name: fields["name"] ?? "", description: optional("description"), website: optional("website"), redirectURIs: uris, grants: grants,
            isConfidential: fields["public"] == nil, skipsConsent: fields["skip_consent"] != nil,
            mayIntrospect: fields["may_introspect"] != nil)
    }

    func create(_ request: Request, _ place: Place, _ context: AppRequestContext) async throws -> Response {
        guard ClientAdministration.mayCreate(place.user) else { throw PageError.forbidden("You need the permission to create auth clients (create-auth_clients).") }
        let registration = registration(place.fields)
        do {
            let (client, secret) = try await portcullis.clientAdministration.register(registration, owner: place.user.id, by: place.user, in: place.workspace)
            return try reveal(secret, of: client, place, context, notice: "Created the auth client \(client.name).")
        } catch let invalid as ValidationFailure {
            return page(
                place, "client-form", formContext(
                    "Create an Auth Client", action: place.base, registration: registration, errors: invalid.errors,
                    mayTrust: ClientAdministration.mayTrustClients(place.user)),
                status: .unprocessableContent)
        }
    }

    func editForm(_ context: AppRequestContext, _ place: Place, _: AppRequestContext) async throws -> Response {
        let client = try await target(context, place, may: ClientAdministration.mayEdit)
        let registration = ClientRegistration(
            name: client.name, description: client.description, website: client.website, redirectURIs: client.redirectURIs, grants: client.grants,
            isConfidential: client.isConfidential, skipsConsent: client.skipsConsent, mayIntrospect: client.mayIntrospect)
        return page(place, "client-form", formContext(
                "Edit \(client.name)", action: "\(place.base)/\(client.clientID)", registration: registration, errors: [],
                mayTrust: ClientAdministration.mayTrustClients(place.user)))
    }

    func update(_ request: Request, _ context: AppRequestContext, _ place: Place, _: AppRequestContext) async throws -> Response {
        let client = try await target(context, place, may: ClientAdministration.mayEdit)
        let registration = registration(place.fields)
        do {
            let (updated, secret) = try await portcullis.clientAdministration.update(client, with: registration, by: place.user)
            return try reveal(secret, of: updated, place, context, notice: "Saved the auth client \(updated.name).")
        } catch let invalid as ValidationFailure {
            return page(
                place, "client-form",
                formContext(
                    "Edit \(client.name)", action: "\(place.base)/\(client.clientID)", registration: registration, errors: invalid.errors,
                    mayTrust: ClientAdministration.mayTrustClients(place.user)),
                status: .unprocessableContent)
        }
    }

    func regenerate(_ request: Request, _ context: AppRequestContext, _ place: Place, _: AppRequestContext) async throws -> Response {
        let client = try await target(context, place, may: ClientAdministration.mayEdit)
        let secret = try await portcullis.clientAdministration.regenerateSecret(of: client)
        return try reveal(secret, of: client, place, context, notice: "Made a new secret for \(client.name); the old one no longer works.")
    }

    /// After a change: a new secret waits, sealed, in the session for the one page that shows it.
    private func reveal(_ secret: String?, of client: OAuthClient, _ place: Place, _ context: AppRequestContext, notice: String) throws -> Response {
        setNotice(context, notice)
        guard let secret else { return Views.seeOther(place.base) }
        let sealed = try KeySealer(key: portcullis.serverKey.flashSealKey).seal(secret, kid: "client-secret:\(client.clientID)")
        context.sessions.withLockedSession { $0?.pendingSecret = .init(clientID: client.clientID, sealed: sealed) }
        return Views.seeOther("\(place.base)/\(client.clientID)/secret")
    }

    func showSecret(_ context: AppRequestContext, _ place: Place, _: AppRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let pending = context.sessions.session?.pendingSecret, pending.clientID == id,
            let secret = try? KeySealer(key: portcullis.serverKey.flashSealKey).open(pending.sealed, kid: "client-secret:\(id)")
        else { return Views.seeOther(place.base) }
        // Shown once: the sealed copy leaves the session with this response.
        context.sessions.withLockedSession { $0?.pendingSecret = nil }
        let name = try await portcullis.store.clients.client(clientID: id, workspaceID: place.workspace.id)?.name ?? "the client"
        return page(place, "client-secret", ["heading": "Credentials of \(name)", "clientID": id, "secret": secret])
    }

    func confirmDelete(_ context: AppRequestContext, _ place: Place, _: AppRequestContext) async throws -> Response {
        let client = try await target(context, place, may: ClientAdministration.mayDelete)
        return page(place, "client-delete", ["name": client.name, "clientID": client.clientID])
    }

    func delete(_ request: Request, _ context: AppRequestContext, _ place: Place, _: AppRequestContext) async throws -> Response {
        let client = try await target(context, place, may: ClientAdministration.mayDelete)
        try await portcullis.clientAdministration.delete(client)
        setNotice(context, "Deleted the auth client \(client.name); its tokens no longer work.")
        return Views.seeOther(place.base)
    }
}
