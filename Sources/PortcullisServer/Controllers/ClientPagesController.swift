import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import PortcullisCore
import PortcullisStore

/// The Auth Clients pages (seed 004; seed 000's `/sys{workspace}/{lang}/{skin}/oauth2/applications`), once per
/// dialect: list, create, edit, a new secret, delete. Only signed-in users reach them (`SignedInRequired`); every
/// change is a form post whose CSRF token `CSRFMiddleware` checked, answered with a 303. Who may do what is Core's
/// (`Requirement`, `ClientAdministration`).
struct ClientPagesController {
    let portcullis: Portcullis
    let views: Views

    func addRoutes(to pages: RouterGroup<PageRequestContext>, dialect: any Dialect) {
        let pattern = dialect.clientPagesPath
        pages.requiring(.seeClients).get(RouterPath(pattern)) { _, context in try await list(context) }
        let creating = pages.requiring(.createClients)
        creating.get(RouterPath(pattern + "/new")) { _, context in newForm(context) }
        creating.post(RouterPath(pattern)) { _, context in try await create(context) }
        pages.get(RouterPath(pattern + "/{id}/edit")) { _, context in try await editForm(context) }
        pages.post(RouterPath(pattern + "/{id}")) { _, context in try await update(context) }
        pages.get(RouterPath(pattern + "/{id}/secret")) { _, context in try await showSecret(context) }
        pages.post(RouterPath(pattern + "/{id}/regenerate")) { _, context in try await regenerate(context) }
        pages.get(RouterPath(pattern + "/{id}/delete")) { _, context in try await confirmDelete(context) }
        pages.post(RouterPath(pattern + "/{id}/delete")) { _, context in try await delete(context) }
    }

    /// This dialect's base address of the pages, for this request.
    private func base(_ context: PageRequestContext) -> String {
        context.dialect.concrete(context.dialect.clientPagesPath, workspace: context.workspace, context.parameters)
    }

    private func page(_ context: PageRequestContext, _ template: String, _ extra: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var values = portcullis.layoutContext(context.signedInUser)
        values["base"] = base(context)
        values.merge(extra) { $1 }
        return views.page(template, values, status: status)
    }

    /// The `{id}` client that the signed-in user may act on (Core's rule), or why not.
    /// The `{id}` client that the signed-in user may act on (Core's rule), or why not.
    private func target(_ context: PageRequestContext, may: (OAuthClient, UserAccount) -> Bool, permission: Permission) async throws
        -> OAuthClient
    {
        try await portcullis.clientAdministration.target(
            id: context.parameters.get("id") ?? "", in: context.workspace, for: context.user, may: may, permission: permission)
    }

    /// Reads and clears the session's notice.
    private func takeNotice(_ context: PageRequestContext) -> String? {
        let notice = context.sessions.session?.notice
        if notice != nil { context.sessions.withLockedSession { $0?.notice = nil } }
        return notice
    }

    private func setNotice(_ context: PageRequestContext, _ text: String) {
        context.sessions.withLockedSession { $0?.notice = text }
    }

    // MARK: Pages

    func list(_ context: PageRequestContext) async throws -> Response {
        let user = context.user
        let clients = try await portcullis.clientAdministration.list(for: user, in: context.workspace)
        var extra: [String: Any] = [
            "mayCreate": ClientAdministration.mayCreate(user),
            "hasClients": !clients.isEmpty,
            "clients": clients.map { client -> [String: Any] in
                [
                    "clientID": client.clientID, "name": client.name, "description": client.description ?? "", "public": !client.isConfidential,
                    "grants": client.grants.names.map { $0.replacingOccurrences(of: "_", with: " ") }, "redirects": client.redirectURIs,
                    "mayEdit": portcullis.clientAdministration.mayEdit(client, user),
                    "mayRegenerate": portcullis.clientAdministration.mayEdit(client, user) && client.isConfidential,
                    "mayDelete": portcullis.clientAdministration.mayDelete(client, user),
                ]
            },
        ]
        if let notice = takeNotice(context) { extra["notice"] = notice }
        return page(context, "clients", extra)
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

    func newForm(_ context: PageRequestContext) -> Response {
        page(
            context, "client-form",
            formContext(
                "Create an Auth Client", action: base(context), registration: ClientRegistration(name: "", grants: []), errors: [],
                mayTrust: ClientAdministration.mayTrustClients(context.user)))
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

    func create(_ context: PageRequestContext) async throws -> Response {
        let registration = registration(context.form)
        do {
            let (client, secret) = try await portcullis.clientAdministration.register(
                registration, owner: context.user.id, by: context.user, in: context.workspace)
            return try reveal(secret, of: client, context, notice: "Created the auth client \(client.name).")
        } catch let invalid as ValidationFailure {
            return page(
                context, "client-form",
                formContext(
                    "Create an Auth Client", action: base(context), registration: registration, errors: invalid.errors,
                    mayTrust: ClientAdministration.mayTrustClients(context.user)),
                status: .unprocessableContent)
        }
    }

    func editForm(_ context: PageRequestContext) async throws -> Response {
        let client = try await target(context, may: portcullis.clientAdministration.mayEdit, permission: .editAuthClients)
        let registration = ClientRegistration(
            name: client.name, description: client.description, website: client.website, redirectURIs: client.redirectURIs, grants: client.grants,
            isConfidential: client.isConfidential, skipsConsent: client.skipsConsent, mayIntrospect: client.mayIntrospect)
        return page(
            context, "client-form",
            formContext(
                "Edit \(client.name)", action: "\(base(context))/\(client.clientID)", registration: registration, errors: [],
                mayTrust: ClientAdministration.mayTrustClients(context.user)))
    }

    func update(_ context: PageRequestContext) async throws -> Response {
        let client = try await target(context, may: portcullis.clientAdministration.mayEdit, permission: .editAuthClients)
        let registration = registration(context.form)
        do {
            let (updated, secret) = try await portcullis.clientAdministration.update(client, with: registration, by: context.user)
            return try reveal(secret, of: updated, context, notice: "Saved the auth client \(updated.name).")
        } catch let invalid as ValidationFailure {
            return page(
                context, "client-form",
                formContext(
                    "Edit \(client.name)", action: "\(base(context))/\(client.clientID)", registration: registration, errors: invalid.errors,
                    mayTrust: ClientAdministration.mayTrustClients(context.user)),
                status: .unprocessableContent)
        }
    }

    func regenerate(_ context: PageRequestContext) async throws -> Response {
        let client = try await target(context, may: portcullis.clientAdministration.mayEdit, permission: .editAuthClients)
        let secret = try await portcullis.clientAdministration.regenerateSecret(of: client)
        return try reveal(secret, of: client, context, notice: "Made a new secret for \(client.name); the old one no longer works.")
    }

    /// After a change: a new secret waits, sealed, in the session for the one page that shows it.
    private func reveal(_ secret: String?, of client: OAuthClient, _ context: PageRequestContext, notice: String) throws -> Response {
        setNotice(context, notice)
        guard let secret else { return Views.seeOther(base(context)) }
        let sealed = try KeySealer(key: portcullis.serverKey.flashSealKey).seal(secret, kid: "client-secret:\(client.clientID)")
        context.sessions.withLockedSession { $0?.pendingSecret = .init(clientID: client.clientID, sealed: sealed) }
        return Views.seeOther("\(base(context))/\(client.clientID)/secret")
    }

    func showSecret(_ context: PageRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let pending = context.sessions.session?.pendingSecret, pending.clientID == id,
            let secret = try? KeySealer(key: portcullis.serverKey.flashSealKey).open(pending.sealed, kid: "client-secret:\(id)")
        else { return Views.seeOther(base(context)) }
        // Shown once: the sealed copy leaves the session with this response.
        context.sessions.withLockedSession { $0?.pendingSecret = nil }
        let name = try await portcullis.clientAdministration.client(id: id, in: context.workspace)?.name ?? "the client"
        return page(context, "client-secret", ["heading": "Credentials of \(name)", "clientID": id, "secret": secret])
    }

    func confirmDelete(_ context: PageRequestContext) async throws -> Response {
        let client = try await target(context, may: portcullis.clientAdministration.mayDelete, permission: .deleteAuthClients)
        return page(context, "client-delete", ["name": client.name, "clientID": client.clientID])
    }

    func delete(_ context: PageRequestContext) async throws -> Response {
        let client = try await target(context, may: portcullis.clientAdministration.mayDelete, permission: .deleteAuthClients)
        try await portcullis.clientAdministration.delete(client)
        setNotice(context, "Deleted the auth client \(client.name); its tokens no longer work.")
        return Views.seeOther(base(context))
    }
}
