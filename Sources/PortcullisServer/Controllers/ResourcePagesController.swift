import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import PortcullisCore

/// The resource servers page (issue 15), `/admin/resources`: the list, the form that registers one (its secret shown
/// once, on the answer), and a delete button per row. Only a super admin reaches it (`Requirement.manageResources`);
/// every post carries the session's CSRF token, which `CSRFMiddleware` checked.
struct ResourcePagesController {
    static let base = "/admin/resources"
    let portcullis: Portcullis
    let views: Views

    func addRoutes(to pages: RouterGroup<PageRequestContext>) {
        let admin = pages.requiring(.manageResources)
        admin.get(RouterPath(Self.base)) { _, context in try await list(context, form: [:], errors: [], status: .ok) }
        admin.post(RouterPath(Self.base)) { _, context in try await create(context) }
        admin.post(RouterPath(Self.base + "/{id}/delete")) { _, context in try await delete(context) }
    }

    private func page(_ context: PageRequestContext, _ template: String, _ extra: [String: Any], status: HTTPResponse.Status) -> Response {
        var values = portcullis.layoutContext(context.signedInUser)
        values["base"] = Self.base
        values.merge(extra) { $1 }
        return views.page(template, values, status: status)
    }

    func list(_ context: PageRequestContext, form: [String: String], errors: [(field: String, messages: [String])], status: HTTPResponse.Status)
        async throws -> Response
    {
        let servers = try await portcullis.resourceAdministration.list(in: context.workspace)
        var extra: [String: Any] = [
            "hasServers": !servers.isEmpty,
            "servers": servers.map { server -> [String: Any] in
                [
                    "id": server.id, "uri": server.uri, "name": server.name, "clientID": server.clientID,
                    "scopes": server.scopes.map { ["name": $0.name, "description": $0.description] }, "machineClients": server.machineClients,
                ]
            },
            "uri": form["uri"] ?? "", "name": form["name"] ?? "", "scopes": form["scopes"] ?? "", "machineClients": form["machine_clients"] ?? "",
            "hasErrors": !errors.isEmpty, "errors": Dictionary(errors.map { ($0.field, $0.messages) }, uniquingKeysWith: +),
        ]
        if let notice = context.sessions.session?.notice {
            context.sessions.withLockedSession { $0?.notice = nil }
            extra["notice"] = notice
        }
        return page(context, "resources", extra, status: status)
    }

    /// One scope per line, `name` or `name = words for the consent screen`; machine clients separated by spaces,
    /// commas or lines.
    static func registration(_ form: [String: String]) -> ResourceServerRegistration {
        let scopes = (form["scopes"] ?? "").split(whereSeparator: \.isNewline).compactMap { line -> ResourceScope? in
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = parts.first, !name.isEmpty else { return nil }
            return ResourceScope(name: name, description: parts.count == 2 ? parts[1] : "")
        }
        let machineClients = (form["machine_clients"] ?? "").split(whereSeparator: { $0.isNewline || $0 == " " || $0 == "," }).map(String.init)
        let name = form["name"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        return ResourceServerRegistration(uri: form["uri"] ?? "", name: name, scopes: scopes, machineClients: machineClients)
    }

    func create(_ context: PageRequestContext) async throws -> Response {
        let form = context.form
        do {
            let (server, secret) = try await portcullis.resourceAdministration.create(Self.registration(form), in: context.workspace)
            // The secret is on this answer only: no redirect, and never stored where a later page could show it.
            var response = page(
                context, "client-secret", ["heading": "Credentials of the resource server \(server.name)", "clientID": server.clientID, "secret": secret],
                status: .ok)
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let invalid as ValidationFailure {
            return try await list(context, form: form, errors: invalid.errors, status: .unprocessableContent)
        }
    }

    func delete(_ context: PageRequestContext) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = Int(text), id > 0, String(id) == text else {
            throw ResourceNotFound("No resource server with this id")
        }
        let server = try await portcullis.resourceAdministration.server(id: id, in: context.workspace)
        try await portcullis.resourceAdministration.delete(id: id, in: context.workspace)
        context.sessions.withLockedSession { $0?.notice = "Deleted the resource server \(server.name); its grants are revoked." }
        return Views.seeOther(Self.base)
    }
}
