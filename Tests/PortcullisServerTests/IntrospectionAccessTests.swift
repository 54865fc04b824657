import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

/// RFC 7662 §4: who may learn about a token. The client it was issued to, or a client an administrator allowed to
/// introspect (a resource server); every other client hears `{"active": false}`.
@Suite("Introspection: only the token's own client, or one allowed to introspect")
struct IntrospectionAccessTests {
    static func introspect(_ client: any TestClientProtocol, _ token: String, as asker: RegisteredClient, path: String) async throws
        -> [String: Any]
    {
        let response = try await client.postForm(path, [("token", token)], headers: basic(asker.client.clientID, asker.secret!))
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }

    @Test(
        "Access and refresh tokens: another client gets active:false; one with the switch and the issued-to client get the description",
        arguments: ["/oauth/introspect", "/workflow/oauth2/introspect"])
    func whoLearns(_ path: String) async throws {
        try await withServer { server, client in
            let resourceServer = try await server.portcullis.registerClient(
                ClientRegistration(name: "Resource Server", grants: [.clientCredentials], mayIntrospect: true), in: server.workspace)
            #expect(resourceServer.client.mayIntrospect)
            // A second confidential client without the switch.
            let other = server.machineClient
            #expect(other.client.isConfidential && !other.client.mayIntrospect)
            let login = try await server.login(client, scope: "view_processes")
            for (token, kind) in [(login["access_token"] as! String, "Bearer"), (login["refresh_token"] as! String, "refresh_token")] {
                let refused = try await Self.introspect(client, token, as: other, path: path)
                #expect(refused.count == 1 && refused["active"] as? Bool == false, "\(kind): \(refused)")
                for asker in [resourceServer, server.client] {
                    let described = try await Self.introspect(client, token, as: asker, path: path)
                    #expect(described["active"] as? Bool == true, "\(kind) as \(asker.client.name): \(described)")
                    #expect(described["token_type"] as? String == kind)
                    #expect(described["client_id"] as? String == server.clientID)
                    #expect(described["scope"] as? String == "view_processes")
                    #expect(described["sub"] as? String == String(server.alice.id))
                }
            }
            // The other client's own token is its own business: it learns about that one.
            let machine = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials")], headers: basic(other.client.clientID, other.secret!))
            let own = try await Self.introspect(client, try #require(try machine.string("access_token")), as: other, path: path)
            #expect(own["active"] as? Bool == true && own["client_id"] as? String == other.client.clientID)
            // The switch reaches no further than its workspace: another workspace's token stays inactive.
            let sales = try await server.portcullis.createWorkspace(named: "sales")
            let salesClient = try await server.portcullis.registerClient(ClientRegistration(name: "S", grants: [.clientCredentials]), in: sales)
            let foreign = try await client.postForm(
                "/sales/oauth2/token", [("grant_type", "client_credentials")], headers: basic(salesClient.client.clientID, salesClient.secret!))
            let far = try await Self.introspect(client, try #require(try foreign.string("access_token")), as: resourceServer, path: path)
            #expect(far.count == 1 && far["active"] as? Bool == false)
        }
    }

    @Test("The clients API: may_introspect round-trips for a super admin; edit-auth_clients or an owner with only PM_REST_API_APPLICATIONS cannot set it")
    func apiField() async throws {
        try await withServer { server, client in
            let admins = try await ClientAdmins.make(server, client)
            let root = admins.tokens["root"]!
            let plain = try await ClientsAPITests.send(client, .post, "/oauth/clients", token: root, ["name": "Plain", "types": ["client_credentials"]])
            #expect(plain.status == .created)
            #expect(try plain.json()["may_introspect"] as? Bool == false, "off by default")
            let created = try await ClientsAPITests.send(
                client, .post, "/oauth/clients", token: root, ["name": "Resource", "types": ["client_credentials"], "may_introspect": true])
            #expect(created.status == .created, "\(created.text)")
            #expect(try created.json()["may_introspect"] as? Bool == true)
            let id = try #require(try created.string("id"))
            #expect(try await ClientsAPITests.send(client, .get, "/oauth/clients/\(id)", token: root).json()["may_introspect"] as? Bool == true)
            #expect(try await server.portcullis.store.clients.client(clientID: id, workspaceID: server.workspace.id)?.mayIntrospect == true)
            // An edit that does not name it keeps it; one that says false clears it; only a super admin sets it again
            // (edit-auth_clients alone may not: the attacker's pass of issue 12).
            let renamed = try await ClientsAPITests.send(client, .put, "/oauth/clients/\(id)", token: root, ["name": "Resource API"])
            #expect(try renamed.json()["may_introspect"] as? Bool == true)
            let off = try await ClientsAPITests.send(client, .put, "/oauth/clients/\(id)", token: root, ["may_introspect": false])
            #expect(try off.json()["may_introspect"] as? Bool == false)
            let editor = try await ClientsAPITests.send(client, .put, "/oauth/clients/\(id)", token: admins.tokens["editor"]!, ["may_introspect": true])
            #expect(editor.status == .unprocessableContent, "\(editor.text)")
            let again = try await ClientsAPITests.send(client, .put, "/oauth/clients/\(id)", token: root, ["may_introspect": true])
            #expect(try again.json()["may_introspect"] as? Bool == true)
            let listed = try await ClientsAPITests.send(client, .get, "/oauth/clients", token: root).json()["data"] as? [[String: Any]]
            #expect(listed?.first { $0["id"] as? String == id }?["may_introspect"] as? Bool == true)

            // The owner: refused on create and on edit, 422 with the field named; nothing is switched on.
            let owner = admins.tokens["pm3owner"]!
            let refused = try await ClientsAPITests.send(
                client, .post, "/oauth/clients", token: owner, ["name": "Snoop", "types": ["client_credentials"], "may_introspect": true])
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect((try refused.json()["errors"] as? [String: [String]])?["may_introspect"] != nil)
            let mine = try await ClientsAPITests.send(client, .post, "/oauth/clients", token: owner, ["name": "Snoop", "types": ["client_credentials"]])
            #expect(mine.status == .created)
            let mineID = try #require(try mine.string("id"))
            let edit = try await ClientsAPITests.send(client, .put, "/oauth/clients/\(mineID)", token: owner, ["may_introspect": true])
            #expect(edit.status == .unprocessableContent, "\(edit.text)")
            #expect((try edit.json()["errors"] as? [String: [String]])?["may_introspect"] != nil)
            #expect(try await server.portcullis.store.clients.client(clientID: mineID, workspaceID: server.workspace.id)?.mayIntrospect == false)
            // Like a consent skip, a switch an administrator granted does not survive the owner's own edit.
            _ = try await ClientsAPITests.send(client, .put, "/oauth/clients/\(mineID)", token: root, ["may_introspect": true])
            let ownerEdit = try await ClientsAPITests.send(client, .put, "/oauth/clients/\(mineID)", token: owner, ["description": "mine"])
            #expect(ownerEdit.status == .ok, "\(ownerEdit.text)")
            #expect(try ownerEdit.json()["may_introspect"] as? Bool == false)
        }
    }

    @Test("The client form: the checkbox round-trips for an administrator; an owner sees none and cannot post it")
    func formCheckbox() async throws {
        try await withServer { server, client in
            let label = "May introspect other clients&#39; tokens"
            let admin = try await ClientPagesTests.signedIn(client, "admin", TestServer.adminPassword)
            let form = try await admin.get("/admin/auth-clients/new")
            #expect(form.text.contains(#"name="may_introspect""#) && (form.text.contains(label) || form.text.contains("May introspect other clients' tokens")))
            let created = try await admin.post(
                "/admin/auth-clients", ClientPagesTests.form([("name", "Resource"), ("grant_client_credentials", "on"), ("may_introspect", "on")], page: form))
            #expect(created.status == .seeOther)
            let clientID = try #require(created.headers[.location]?.split(separator: "/").dropLast().last.map(String.init))
            #expect(try await server.portcullis.store.clients.client(clientID: clientID, workspaceID: server.workspace.id)?.mayIntrospect == true)
            let edit = try await admin.get("/admin/auth-clients/\(clientID)/edit")
            #expect(edit.text.contains(#"<input type="checkbox" name="may_introspect" checked>"#), "the edit form shows it on")
            let saved = try await admin.post(
                "/admin/auth-clients/\(clientID)", ClientPagesTests.form([("name", "Resource"), ("grant_client_credentials", "on")], page: edit))
            #expect(saved.status == .seeOther)
            #expect(try await server.portcullis.store.clients.client(clientID: clientID, workspaceID: server.workspace.id)?.mayIntrospect == false)
            let unchecked = try await admin.get("/admin/auth-clients/\(clientID)/edit")
            #expect(unchecked.text.contains(#"<input type="checkbox" name="may_introspect" >"#))

            _ = try await server.portcullis.createUser(username: "owner", password: "owner-password", permissions: [.restAPIApplications], in: server.workspace)
            let owner = try await ClientPagesTests.signedIn(client, "owner", "owner-password")
            let base = "/sysworkflow/en/neoclassic/oauth2/applications"
            let ownerForm = try await owner.get(base + "/new")
            #expect(ownerForm.status == .ok && !ownerForm.text.contains(#"name="may_introspect""#))
            let forged = try await owner.post(
                base, ClientPagesTests.form([("name", "Snoop"), ("grant_client_credentials", "on"), ("may_introspect", "on")], page: ownerForm))
            #expect(forged.status == .unprocessableContent)
            #expect(forged.text.contains("may let a client introspect other clients"))
            #expect(try await server.portcullis.store.clients.clients(workspaceID: server.workspace.id).allSatisfy { $0.name != "Snoop" })
        }
    }
}
