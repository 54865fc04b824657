import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

/// The people of the permission tests and their tokens.
struct ClientAdmins {
    let tokens: [String: String]

    static let roles: [(String, Set<Permission>, Bool)] = [
        ("nobody", [], false),
        ("viewer", [.viewAuthClients], false),
        ("creator", [.viewAuthClients, .createAuthClients], false),
        ("editor", [.viewAuthClients, .editAuthClients], false),
        ("deleter", [.viewAuthClients, .deleteAuthClients], false),
        ("pm3owner", [.restAPIApplications], false),
        ("root", [], true),
    ]

    static func make(_ server: TestServer, _ client: any TestClientProtocol) async throws -> ClientAdmins {
        var tokens: [String: String] = [:]
        for (name, permissions, admin) in roles {
            _ = try await server.portcullis.createUser(
                username: name, password: "\(name)-password", isSuperAdmin: admin, permissions: permissions, in: server.workspace)
            tokens[name] = try await server.accessToken(client, username: name, password: "\(name)-password")
        }
        return ClientAdmins(tokens: tokens)
    }
}

@Suite("Auth clients: the JSON API")
struct ClientsAPITests {
    nonisolated(unsafe) static let pm4Body: [String: Any] = [
        "name": "PM4 Style", "redirect": "https://app.example.com/cb", "types": ["authorization_code_grant", "password_client", "personal_access_client"],
    ]

    static func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, token: String?, _ body: [String: Any]? = nil)
        async throws -> TestResponse
    {
        var headers: HTTPFields = token.map(bearer) ?? [:]
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map(Body.json))
    }

    @Test("ProcessMaker 4's body creates a client (201) and the secret appears in that response only")
    func createShowsSecretOnce() async throws {
        try await withServer { server, client in
            let admins = try await ClientAdmins.make(server, client)
            let root = admins.tokens["root"]!
            let created = try await Self.send(client, .post, "/oauth/clients", token: root, Self.pm4Body)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers[.cacheControl] == "no-store")
            let body = try created.json()
            let secret = try #require(body["secret"] as? String)
            let id = try #require(body["id"] as? String)
            #expect(body["types"] as? [String] == ["authorization_code_grant", "password_client", "personal_access_client"])
            #expect(body["grants"] as? [String] == ["authorization_code", "password", "personal_access"])
            #expect(body["redirect"] as? String == "https://app.example.com/cb")
            #expect(body["public"] as? Bool == false && body["password_client"] as? Bool == true)
            for path in ["/oauth/clients", "/oauth/clients/\(id)"] {
                let later = try await Self.send(client, .get, path, token: root)
                #expect(later.status == .ok)
                #expect(!later.text.contains(secret) && !later.text.contains("\"secret\""))
            }
            // The secret works with the password grant (seed 001).
            let token = try await client.postJSON(
                "/oauth/token", ["grant_type": "password", "client_id": id, "client_secret": secret, "username": "alice", "password": TestServer.alicePassword])
            #expect(token.status == .ok)
        }
    }

    @Test("Validation: 422 with a message next to each field")
    func validation() async throws {
        try await withServer { server, client in
            let admins = try await ClientAdmins.make(server, client)
            let root = admins.tokens["root"]!
            let cases: [([String: Any], String, String)] = [
                (["types": ["password_client"]], "name", "The name field is required."),
                (["name": String(repeating: "n", count: 256), "types": ["password_client"]], "name", "The name may not be greater than 255 characters."),
                (["name": "No grants", "types": []], "grants", "Select at least one grant type."),
                (
                    ["name": "No redirect", "types": ["authorization_code_grant"]], "redirect",
                    "A redirect URL is required for the authorization code and implicit grants."
                ),
                (
                    ["name": "Bad redirect", "types": ["authorization_code_grant"], "redirect": "http://evil.example/cb"], "redirect",
                    "http://evil.example/cb must use https, or http on the loopback address 127.0.0.1 or [::1]."
                ),
                (
                    ["name": "Fragment", "types": ["implicit"], "redirect": "https://a.example/cb#x"], "redirect",
                    "https://a.example/cb#x must not contain a fragment (#)."
                ),
                (["name": "Website", "types": ["password_client"], "website": "ftp://x"], "website", "The website must be a valid http or https URL."),
                (
                    ["name": "Bogus", "types": ["telepathy"]], "types",
                    "Unknown grant types: telepathy. Use authorization_code_grant, password_client, personal_access_client, client_credentials or implicit."
                ),
            ]
            for (body, field, message) in cases {
                let response = try await Self.send(client, .post, "/oauth/clients", token: root, body)
                #expect(response.status == .unprocessableContent, "\(body)")
                let errors = try response.json()["errors"] as? [String: [String]]
                #expect(errors?[field]?.contains(message) == true, "\(field): \(errors ?? [:])")
            }
            _ = try await Self.send(client, .post, "/oauth/clients", token: root, ["name": "Taken", "types": ["password_client"]])
            let duplicate = try await Self.send(client, .post, "/oauth/clients", token: root, ["name": "TAKEN", "types": ["password_client"]])
            #expect((try duplicate.json()["errors"] as? [String: [String]])?["name"] == ["The name has already been taken."])
        }
    }

    @Test("Permission matrix: every route, every role", arguments: ClientAdmins.roles.map(\.0))
    func permissions(_ role: String) async throws {
        try await withServer { server, client in
            let admins = try await ClientAdmins.make(server, client)
            let token = admins.tokens[role]!
            let root = admins.tokens["root"]!
            // A client someone else owns, and (for the pm3 owner) one of its own.
            let others = try await Self.send(client, .post, "/oauth/clients", token: root, ["name": "Others'", "types": ["password_client"]]).json()
            let othersID = others["id"] as! String
            let may: Set<String> =
                switch role {
                case "nobody": []
                case "viewer": ["list", "get"]
                case "creator": ["list", "get", "create"]
                case "editor": ["list", "get", "update"]
                case "deleter": ["list", "get", "delete"]
                case "pm3owner": ["create"]
                default: ["list", "get", "create", "update", "delete"]
                }
            func expect(_ action: String, _ response: TestResponse, success: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(
                    response.status == (may.contains(action) ? success : .forbidden), "\(role) \(action): \(response.status) \(response.text)",
                    sourceLocation: sourceLocation)
            }
            let list = try await Self.send(client, .get, "/oauth/clients", token: token)
            if role == "pm3owner" { #expect(list.status == .ok) } else { expect("list", list, success: .ok) }
            expect("get", try await Self.send(client, .get, "/oauth/clients/\(othersID)", token: token), success: .ok)
            expect("update", try await Self.send(client, .put, "/oauth/clients/\(othersID)", token: token, ["description": "changed"]), success: .ok)
            expect(
                "create", try await Self.send(client, .post, "/oauth/clients", token: token, ["name": "By \(role)", "types": ["password_client"]]),
                success: .created)
            expect("delete", try await Self.send(client, .delete, "/oauth/clients/\(othersID)", token: token), success: .noContent)

            if role == "pm3owner" {
                // ProcessMaker 3's permission: its own clients, and only those.
                let listed = try await Self.send(client, .get, "/oauth/clients", token: token).json()["data"] as? [[String: Any]]
                #expect(listed?.map { $0["name"] as? String } == ["By pm3owner"])
                let own = listed![0]["id"] as! String
                #expect(try await Self.send(client, .get, "/oauth/clients/\(own)", token: token).status == .ok)
                #expect(try await Self.send(client, .put, "/oauth/clients/\(own)", token: token, ["description": "mine"]).status == .ok)
                #expect(try await Self.send(client, .delete, "/oauth/clients/\(own)", token: token).status == .noContent)
            }
        }
    }

    @Test("Deleting a client revokes its live tokens at once; PUT edits and can make a client public")
    func deleteRevokes() async throws {
        try await withServer { server, client in
            let admins = try await ClientAdmins.make(server, client)
            let root = admins.tokens["root"]!
            let created = try await Self.send(
                client, .post, "/oauth/clients", token: root, ["name": "Doomed", "types": ["password_client", "client_credentials"]]
            ).json()
            let id = created["id"] as! String
            let secret = created["secret"] as! String
            let login = try await client.postForm(
                "/oauth/token", [("grant_type", "password"), ("username", "alice"), ("password", TestServer.alicePassword)], headers: basic(id, secret)
            ).json()
            let machine = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: basic(id, secret)).string("access_token")!
            #expect(try await client.get("/api/1.0/users/me", token: login["access_token"] as? String).status == .ok)
            // A resource server allowed to introspect other clients' tokens (else every answer is active:false anyway).
            let resource = try await server.portcullis.registerClient(
                ClientRegistration(name: "Resource Server", grants: [.clientCredentials], mayIntrospect: true), in: server.workspace)
            func introspect() async throws -> [String: Any] {
                try await client.postForm("/oauth/introspect", [("token", machine)], headers: basic(resource.client.clientID, resource.secret!)).json()
            }
            #expect(try await introspect()["active"] as? Bool == true)
            let edited = try await Self.send(client, .put, "/oauth/clients/\(id)", token: root, ["name": "Doomed app", "website": "https://doomed.example"])
            #expect(try edited.string("name") == "Doomed app" && (try edited.json()["secret"]) == nil)

            #expect(try await Self.send(client, .delete, "/oauth/clients/\(id)", token: root).status == .noContent)
            #expect(try await client.get("/api/1.0/users/me", token: login["access_token"] as? String).status == .unauthorized)
            #expect(try await introspect()["active"] as? Bool == false)
            let refresh = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", login["refresh_token"] as! String)], headers: basic(id, secret))
            #expect(refresh.status == .unauthorized, "the client itself is gone")
            #expect(try await Self.send(client, .get, "/oauth/clients/\(id)", token: root).status == .notFound)
        }
    }

    @Test("Regenerating a secret: the old one stops working at once")
    func regenerate() async throws {
        try await withServer { server, client in
            let old = server.clientSecret
            let new = try await server.portcullis.clientAdministration.regenerateSecret(of: server.client.client)
            let withOld = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, old))
            #expect(withOld.status == .unauthorized)
            let withNew = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, new))
            #expect(withNew.status == .ok)
        }
    }
}

@Suite("Auth clients: the pages")
struct ClientPagesTests {
    static func signedIn(_ client: any TestClientProtocol, _ username: String, _ password: String) async throws -> Browser {
        let browser = Browser(client)
        _ = try await signIn(browser, username: username, password: password)
        return browser
    }

    static func form(_ fields: [(String, String)], page: TestResponse) -> [(String, String)] {
        HTML.hiddenFields(page.text) + fields
    }

    @Test("Create with the seed 001 switches, see the secret once, use it, edit, regenerate, delete")
    func lifecycle() async throws {
        try await withServer { server, client in
            let admin = try await Self.signedIn(client, "admin", TestServer.adminPassword)
            let home = try await admin.get("/")
            #expect(home.text.contains("href=\"/admin/auth-clients\""), "the menu link")
            let list = try await admin.get("/admin/auth-clients")
            #expect(list.status == .ok && list.text.contains("+ Auth Client"))
            let form = try await admin.get("/admin/auth-clients/new")
            #expect(form.text.contains("Enable Password Grant") && form.text.contains("Enable Authorization Code Grant"))
            let created = try await admin.post(
                "/admin/auth-clients", Self.form([("name", "Client Authentication for Client Application"), ("grant_password", "on")], page: form))
            #expect(created.status == .seeOther)
            let secretPath = try #require(created.headers[.location])
            #expect(secretPath.hasSuffix("/secret"))
            let secretPage = try await admin.get(secretPath)
            #expect(secretPage.text.contains("The secret will not be shown again"))
            #expect(secretPage.headers[.cacheControl]?.contains("no-store") == true, "a page showing a secret is never cached")
            #expect(secretPage.text.contains("Copy Client Secret to Clipboard"))
            let secret = try #require(secretPage.text.range(of: #"pcl_cs_[A-Za-z0-9_-]{43}"#, options: .regularExpression).map { String(secretPage.text[$0]) })
            let clientID = secretPath.split(separator: "/").dropLast().last.map(String.init)!
            // Shown once: a second visit does not show it, nor does the list.
            let again = try await admin.get(secretPath)
            #expect(again.status == .seeOther)
            let listed = try await admin.get("/admin/auth-clients")
            #expect(listed.text.contains("Client Authentication for Client Application") && listed.text.contains("Created the auth client"))
            #expect(!listed.text.contains(secret))
            #expect(try await server.portcullis.store.countForTests("SELECT COUNT(*) AS n FROM sessions WHERE value LIKE '%pcl_cs_%'") == 0)
            // Seed 001's request with the new client.
            let token = try await client.postJSON(
                "/oauth/token",
                ["client_id": clientID, "username": "admin", "password": TestServer.adminPassword, "client_secret": secret, "grant_type": "password"])
            #expect(token.status == .ok)

            let edit = try await admin.get("/admin/auth-clients/\(clientID)/edit")
            let saved = try await admin.post(
                "/admin/auth-clients/\(clientID)",
                Self.form(
                    [
                        ("name", "Renamed"), ("grant_password", "on"), ("grant_authorization_code", "on"), ("redirect", "https://app.example.com/cb"),
                    ], page: edit))
            #expect(saved.status == .seeOther && saved.headers[.location] == "/admin/auth-clients")
            #expect(
                try await server.portcullis.store.clients.client(clientID: clientID, workspaceID: server.workspace.id)?.redirectURIs == [
                    "https://app.example.com/cb"
                ])

            let listPage = try await admin.get("/admin/auth-clients")
            let regenerateForm = try #require(listPage.text.range(of: "/regenerate"), "\(listPage.status) \(listPage.text)")
            let csrf = try #require(HTML.hiddenFields(String(listPage.text[regenerateForm.lowerBound...])).first).1
            let regenerated = try await admin.post("/admin/auth-clients/\(clientID)/regenerate", [("csrf", csrf)])
            let newSecretPage = try await admin.get(regenerated.headers[.location]!)
            let newSecret = try #require(
                newSecretPage.text.range(of: #"pcl_cs_[A-Za-z0-9_-]{43}"#, options: .regularExpression).map { String(newSecretPage.text[$0]) })
            #expect(newSecret != secret)
            #expect(
                try await client.postForm(
                    "/oauth/token", [("grant_type", "password"), ("username", "alice"), ("password", TestServer.alicePassword)],
                    headers: basic(clientID, secret)
                ).status == .unauthorized)

            let confirm = try await admin.get("/admin/auth-clients/\(clientID)/delete")
            #expect(confirm.text.contains("Delete <strong>Renamed</strong>?"))
            let deleted = try await admin.post("/admin/auth-clients/\(clientID)/delete", HTML.hiddenFields(confirm.text))
            #expect(deleted.status == .seeOther)
            #expect(try await client.get("/api/1.0/users/me", token: try token.string("access_token")).status == .unauthorized)
        }
    }

    @Test("Validation messages appear next to their fields, and nothing is saved")
    func formErrors() async throws {
        try await withServer { server, client in
            let admin = try await Self.signedIn(client, "admin", TestServer.adminPassword)
            let before = try await server.portcullis.store.clients.clients(workspaceID: server.workspace.id).count
            let form = try await admin.get("/admin/auth-clients/new")
            let response = try await admin.post(
                "/admin/auth-clients", Self.form([("name", ""), ("grant_authorization_code", "on"), ("website", "nope")], page: form))
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains(#"<p class="field-error" id="name-error">The name field is required.</p>"#))
            #expect(response.text.contains(#"<p class="field-error" id="website-error">The website must be a valid http or https URL.</p>"#))
            #expect(response.text.contains("A redirect URL is required for the authorization code and implicit grants."))
            #expect(response.text.contains(#"aria-invalid="true""#))
            #expect(try await server.portcullis.store.clients.clients(workspaceID: server.workspace.id).count == before)
        }
    }

    @Test("Without the permissions: no link, and 403 on every page")
    func forbidden() async throws {
        try await withServer { server, client in
            let browser = try await Self.signedIn(client, "alice", TestServer.alicePassword)
            #expect(!(try await browser.get("/").text.contains("Auth Clients")))
            let id = server.clientID
            for path in [
                "/admin/auth-clients", "/admin/auth-clients/new", "/admin/auth-clients/\(id)/edit", "/admin/auth-clients/\(id)/delete",
                "/sysworkflow/en/neoclassic/oauth2/applications",
            ] {
                #expect(try await browser.get(path).status == .forbidden, "\(path)")
            }
            let csrf = HTML.hiddenFields(try await browser.get("/").text).first { $0.0 == "csrf" }!.1
            for path in ["/admin/auth-clients", "/admin/auth-clients/\(id)", "/admin/auth-clients/\(id)/regenerate", "/admin/auth-clients/\(id)/delete"] {
                #expect(try await browser.post(path, [("csrf", csrf), ("name", "x"), ("grant_password", "on")]).status == .forbidden, "POST \(path)")
            }
            #expect(try await server.portcullis.store.clients.client(clientID: id, workspaceID: server.workspace.id) != nil)
        }
    }

    @Test("A form without the session's CSRF token is refused; an anonymous visitor is sent to sign in")
    func csrfAndAnonymous() async throws {
        try await withServer { server, client in
            let admin = try await Self.signedIn(client, "admin", TestServer.adminPassword)
            let forged = try await admin.post("/admin/auth-clients/\(server.clientID)/delete", [("csrf", "pcl_xs_forged")])
            #expect(forged.status == .forbidden)
            #expect(try await server.portcullis.store.clients.client(clientID: server.clientID, workspaceID: server.workspace.id) != nil)
            let anonymous = try await Browser(client).get("/admin/auth-clients")
            #expect(anonymous.headers[.location] == "/login?redirect=%2Fadmin%2Fauth-clients")
            let pm3 = try await Browser(client).get("/sysworkflow/en/neoclassic/oauth2/applications")
            #expect(pm3.headers[.location]?.hasPrefix("/sysworkflow/en/neoclassic/login/login?u=") == true)
        }
    }

    @Test("ProcessMaker 3's address shows the same pages for its workspace; PM_REST_API_APPLICATIONS sees only its own clients")
    func pm3Owner() async throws {
        try await withServer { server, client in
            _ = try await server.portcullis.createUser(username: "owner", password: "owner-password", permissions: [.restAPIApplications], in: server.workspace)
            let owner = try await Self.signedIn(client, "owner", "owner-password")
            let base = "/sysworkflow/en/neoclassic/oauth2/applications"
            let list = try await owner.get(base)
            #expect(list.status == .ok && list.text.contains("No auth clients yet."))
            let form = try await owner.get(base + "/new")
            let created = try await owner.post(base, Self.form([("name", "My REST app"), ("grant_password", "on")], page: form))
            #expect(created.headers[.location]?.hasPrefix(base + "/") == true)
            let mine = try await owner.get(base)
            #expect(mine.text.contains("My REST app") && !mine.text.contains("Seed Client"))
            #expect(try await owner.get(base + "/\(server.clientID)/edit").status == .forbidden)
        }
    }
}
