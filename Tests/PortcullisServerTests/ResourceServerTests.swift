import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PortcullisStore
import Testing

@testable import PortcullisCore
@testable import PortcullisServer

/// Issue 15: resource servers, RFC 8707 resource indicators, the revocation feed and the nginx check.
@Suite("Resource servers and resource indicators (RFC 8707)")
struct ResourceServerTests {
    static let orders = "https://orders.example.com/"

    /// The orders API with two scopes, and its credentials.
    static func registerOrders(_ server: TestServer, uri: String = orders) async throws -> (ResourceServer, secret: String) {
        try await server.portcullis.resourceAdministration.create(
            ResourceServerRegistration(
                uri: uri, name: "Orders",
                scopes: [ResourceScope(name: "read:orders", description: "Read your orders"), ResourceScope(name: "write:orders", description: "")],
                machineClients: [server.clientID]),
            in: server.workspace)
    }

    static func json(_ token: String) -> HTTPFields {
        var headers = bearer(token)
        headers[.contentType] = "application/json"
        return headers
    }

    static func token(_ server: TestServer, _ client: any TestClientProtocol, _ fields: [(String, String)]) async throws -> TestResponse {
        try await client.postForm("/oauth/token", [("grant_type", "client_credentials")] + fields, headers: basic(server.clientID, server.clientSecret))
    }

    @Test("A token asked for with resource= has exactly that audience and, by default, all its scopes; without it, today's audience")
    func audience() async throws {
        try await withServer { server, client in
            _ = try await Self.registerOrders(server)
            let other = try await Self.registerOrders(server, uri: "https://billing.example.com/v1")
            let response = try await Self.token(server, client, [("resource", Self.orders)])
            #expect(response.status == .ok, "\(response.text)")
            let claims = try jwtPayload(try #require(try response.string("access_token")))
            #expect(claims["aud"] as? String == Self.orders)
            #expect(claims["scope"] as? String == "read:orders write:orders")
            #expect(claims["workspace"] as? String == "workflow")
            // Two resources: aud is an array of both, in the order asked.
            let both = try await Self.token(server, client, [("resource", Self.orders), ("resource", other.0.uri), ("scope", "read:orders")])
            #expect(both.status == .ok, "\(both.text)")
            #expect(try jwtPayload(try #require(try both.string("access_token")))["aud"] as? [String] == [Self.orders, other.0.uri])
            // A resource scope alone names its resource when one API defines it; when several do, the request must
            // name one (second attacker's pass: a token for every API defining the name could be replayed among them).
            let ambiguous = try await Self.token(server, client, [("scope", "write:orders")])
            #expect(try ambiguous.string("error") == "invalid_target", "\(ambiguous.text)")
            _ = try await server.portcullis.resourceAdministration.create(
                ResourceServerRegistration(
                    uri: "https://solo.example.com/", scopes: [ResourceScope(name: "solo:read", description: "")], machineClients: [server.clientID]),
                in: server.workspace)
            let inferred = try await Self.token(server, client, [("scope", "solo:read")])
            #expect(try jwtPayload(try #require(try inferred.string("access_token")))["aud"] as? String == "https://solo.example.com/")
            // Past the size a check reads, the token is refused at issue, not issued unusable (second attacker's pass).
            var long: [(String, String)] = []
            for index in 0..<3 {
                let uri = "https://long\(index).example.com/" + String(repeating: "p", count: 1900)
                _ = try await server.portcullis.resourceAdministration.create(
                    ResourceServerRegistration(uri: uri, name: "long \(index)", scopes: [ResourceScope(name: "read:orders", description: "")]),
                    in: server.workspace)
                long.append(("resource", uri))
            }
            let huge = try await Self.token(server, client, long + [("scope", "read:orders")])
            #expect(try huge.string("error") == "invalid_target", "\(huge.text.prefix(200))")
            #expect(try huge.string("error_description")?.contains("too large") == true)
            // Without either: the seeds' clients see no change.
            let plain = try await Self.token(server, client, [])
            let plainClaims = try jwtPayload(try #require(try plain.string("access_token")))
            #expect(plainClaims["aud"] as? String == "http://portcullis.test/api/1.0/workflow")
            #expect(plainClaims["scope"] as? String == "*")
        }
    }

    @Test(
        "Unregistered, relative or fragment resources are invalid_target; ProcessMaker's scopes for another API, or mixed, are invalid_scope",
        arguments: [
            ([("resource", "https://unknown.example.com/")], "invalid_target"),
            ([("resource", "/relative")], "invalid_target"),
            ([("resource", "https://orders.example.com/#x")], "invalid_target"),
            ([("resource", "https://orders.example.com")], "invalid_target"),  // not the same bytes
            ([("resource", ResourceServerTests.orders), ("scope", "*")], "invalid_scope"),
            ([("resource", ResourceServerTests.orders), ("scope", "read:billing")], "invalid_scope"),
            ([("scope", "* read:orders")], "invalid_scope"),
            ([("scope", "read:unknown")], "invalid_scope"),
        ])
    func refused(_ fields: [(String, String)], _ error: String) async throws {
        try await withServer { server, client in
            _ = try await Self.registerOrders(server)
            let response = try await Self.token(server, client, fields)
            #expect(response.status == .badRequest)
            #expect(try response.string("error") == error, "\(response.text)")
        }
    }

    @Test("A refresh may narrow the resources and scopes, never widen them; a deleted resource is no longer reachable")
    func refreshNarrows() async throws {
        try await withServer { server, client in
            let orders = try await Self.registerOrders(server)
            let billing = try await Self.registerOrders(server, uri: "https://billing.example.com/")
            let login = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("username", "alice"), ("password", TestServer.alicePassword),
                    ("resource", Self.orders), ("scope", "read:orders"),
                ], headers: basic(server.clientID, server.clientSecret))
            #expect(login.status == .ok, "\(login.text)")
            var refresh = try #require(try login.string("refresh_token"))
            func refreshed(_ extra: [(String, String)]) async throws -> TestResponse {
                let response = try await client.postForm(
                    "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh)] + extra,
                    headers: basic(server.clientID, server.clientSecret))
                if let next = try? response.string("refresh_token") { refresh = next }
                return response
            }
            // Wider: another resource, or a scope the grant lacks.
            #expect(try await refreshed([("resource", billing.0.uri)]).string("error") == "invalid_target")
            #expect(try await refreshed([("scope", "write:orders")]).string("error") == "invalid_scope")
            // The same: keeps the resource and scope.
            let same = try await refreshed([])
            let claims = try jwtPayload(try #require(try same.string("access_token")))
            #expect(claims["aud"] as? String == Self.orders && claims["scope"] as? String == "read:orders")
            // Deleted: the grant for it is revoked with it.
            try await server.portcullis.resourceAdministration.delete(id: orders.0.id, in: server.workspace)
            #expect(try await refreshed([]).string("error") == "invalid_grant")
        }
    }

    @Test("A token for another API is refused by Portcullis's own API, and its own tokens name no resource")
    func ownAPIRefusesForeignTokens() async throws {
        try await withServer { server, client in
            _ = try await Self.registerOrders(server)
            let token = try #require(try await Self.token(server, client, [("resource", Self.orders)]).string("access_token"))
            let response = try await client.get("/api/1.0/users/me", token: token)
            #expect(response.status == .unauthorized)
        }
    }

    @Test("Introspection with the resource server's credentials: active only for tokens whose aud names it")
    func introspection() async throws {
        try await withServer { server, client in
            let (orders, secret) = try await Self.registerOrders(server)
            let (billing, billingSecret) = try await Self.registerOrders(server, uri: "https://billing.example.com/")
            let token = try #require(try await Self.token(server, client, [("resource", Self.orders)]).string("access_token"))
            let own = try await client.postForm("/oauth/introspect", [("token", token)], headers: basic(orders.clientID, secret))
            #expect(own.status == .ok)
            let body = try own.json()
            #expect(body["active"] as? Bool == true && body["aud"] as? String == Self.orders && body["workspace"] as? String == "workflow")
            let other = try await client.postForm("/oauth/introspect", [("token", token)], headers: basic(billing.clientID, billingSecret))
            #expect(try other.json().count == 1 && other.json()["active"] as? Bool == false)
            // A workspace API token is nothing to a resource server.
            let plain = try await server.accessToken(client)
            #expect(
                try await client.postForm("/oauth/introspect", [("token", plain)], headers: basic(orders.clientID, secret)).json()["active"] as? Bool
                    == false)
            // Wrong secret: invalid_client.
            #expect(try await client.postForm("/oauth/introspect", [("token", token)], headers: basic(orders.clientID, "nope")).status == .unauthorized)
        }
    }

    @Test("The revocation feed: resource-server credentials only; a revoked token appears, then the cursor brings only what is new")
    func feed() async throws {
        try await withServer { server, client in
            let (orders, secret) = try await Self.registerOrders(server)
            #expect(try await client.execute(uri: "/oauth/revocations", method: .get, headers: [:]).status == .unauthorized)
            #expect(
                try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(server.clientID, server.clientSecret)).status
                    == .unauthorized)
            let token = try #require(try await Self.token(server, client, [("resource", Self.orders)]).string("access_token"))
            let jti = try #require(try jwtPayload(token)["jti"] as? String)
            let first = try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(orders.clientID, secret))
            #expect(first.status == .ok, "\(first.text)")
            let firstBody = try first.json()
            let cursor = try #require(firstBody["cursor"] as? String)
            #expect(firstBody["poll_interval"] as? Int == 1)
            #expect(!((firstBody["revocations"] as? [[String: Any]]) ?? []).contains { $0["value"] as? String == jti })
            _ = try await client.postForm("/oauth/revoke", [("token", token)], headers: basic(server.clientID, server.clientSecret))
            let next = try await client.execute(
                uri: "/workflow/oauth2/revocations?cursor=\(cursor)", method: .get, headers: basic(orders.clientID, secret))
            let rows = try #require(try next.json()["revocations"] as? [[String: Any]])
            #expect(rows.contains { $0["kind"] as? String == "token" && $0["value"] as? String == jti })
            #expect(
                try await client.execute(uri: "/oauth/revocations?cursor=x", method: .get, headers: basic(orders.clientID, secret)).status
                    == .badRequest)
        }
    }

    @Test("The nginx check: 200 with who is calling; 401 without a token, for another audience or revoked; 403 insufficient_scope")
    func check() async throws {
        try await withServer { server, client in
            let (orders, _) = try await Self.registerOrders(server)
            let token = try #require(try await Self.token(server, client, [("resource", Self.orders), ("scope", "read:orders")]).string("access_token"))
            func check(_ token: String?, scope: String? = nil, resource: String = Self.orders) async throws -> TestResponse {
                var headers: HTTPFields = [HTTPField.Name("X-Portcullis-Resource")!: resource]
                if let scope { headers[HTTPField.Name("X-Portcullis-Scope")!] = scope }
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await client.execute(uri: "/oauth/check", method: .get, headers: headers)
            }
            let ok = try await check(token, scope: "read:orders")
            #expect(ok.status == .ok)
            #expect(ok.headers[HTTPField.Name("X-Portcullis-Subject")!] == server.clientID)
            #expect(ok.headers[HTTPField.Name("X-Portcullis-Scopes")!] == "read:orders")
            #expect(ok.headers[HTTPField.Name("X-Portcullis-Workspace")!] == "workflow")
            let missing = try await check(nil)
            #expect(missing.status == .unauthorized && missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let scope = try await check(token, scope: "write:orders")
            #expect(scope.status == .forbidden)
            #expect(scope.headers[.wwwAuthenticate]?.contains("error=\"insufficient_scope\"") == true)
            let plain = try await check(try await server.accessToken(client))
            #expect(plain.status == .unauthorized && plain.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            #expect(try await check(token, resource: "https://unregistered.example.com/").status == .badRequest)
            #expect(try await check("garbage").status == .unauthorized)
            _ = try await client.postForm("/oauth/revoke", [("token", token)], headers: basic(server.clientID, server.clientSecret))
            #expect(try await check(token).status == .unauthorized)
            _ = orders
        }
    }

    @Test("The resources API: a super admin registers (201, secret once), lists, reads and deletes; bad input is 422, never 500")
    func api() async throws {
        try await withServer { server, client in
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let created = try await client.execute(
                uri: "/oauth/resources", method: .post, headers: Self.json(admin),
                body: ByteBuffer(
                    string: #"{"uri": "https://api.example.com/", "scopes": ["read:orders", {"name": "write:orders", "description": "Change orders"}]}"#))
            #expect(created.status == .created, "\(created.text)")
            let body = try created.json()
            #expect((body["client_id"] as? String)?.hasPrefix("rs_") == true && (body["client_secret"] as? String)?.hasPrefix("pcl_cs_") == true)
            let id = try #require(body["id"] as? Int)
            let listed = try await client.get("/oauth/resources", token: admin).json()["data"] as? [[String: Any]]
            #expect(listed?.count == 1 && listed?.first?["client_secret"] == nil)
            // The metadata lists its scopes.
            let metadata = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get, headers: [:]).json()
            #expect((metadata["scopes_supported"] as? [String])?.contains("write:orders") == true)
            #expect(metadata["revocation_feed_endpoint"] as? String == "http://portcullis.test/oauth/revocations")
            for bad in [
                #"{"uri": "https://api.example.com/"}"#, #"{"uri": "not a uri"}"#, #"{"uri": "https://a.example/#f"}"#,
                // Not URI characters (RFC 3986 §2); a quote doubled in the token's JSON (third attacker's pass).
                #"{"uri": "https://q.example/\"\"", "scopes": ["q"]}"#, #"{"uri": "https://q.example/<x>", "scopes": ["q"]}"#,
                #"{"uri": "https://q.example/{x}|^`", "scopes": ["q"]}"#,
                #"{"uri": "https://b.example/", "scopes": ["*"]}"#, #"{"uri": "https://b.example/", "scopes": ["openid"]}"#,
                #"{"uri": "https://b.example/", "scopes": ["a b"]}"#, #"{"uri": "https://b.example/", "scopes": ["x", "x"]}"#, #"{"uri": 5}"#,
                #"[]"#,
            ] {
                let response = try await client.execute(
                    uri: "/oauth/resources", method: .post, headers: Self.json(admin), body: ByteBuffer(string: bad))
                #expect(response.status == .unprocessableContent, "\(bad): \(response.status) \(response.text)")
            }
            // Second attacker's pass: a repeated key was taken (the first one), and a long URI without a name failed on
            // the name it defaulted to.
            let repeated = try await client.execute(
                uri: "/oauth/resources", method: .post, headers: Self.json(admin),
                body: ByteBuffer(string: #"{"uri": "https://c.example/", "uri": "https://d.example/", "scopes": ["c"]}"#))
            #expect(repeated.status == .badRequest, "\(repeated.text)")
            // The same for the clients API (third attacker's pass).
            for (path, body) in [
                ("/oauth/clients", #"{"name": "dup", "name": "dup2", "redirect": "https://app.example/cb", "types": ["password_client"]}"#)
            ] {
                let twice = try await client.execute(uri: path, method: .post, headers: Self.json(admin), body: ByteBuffer(string: body))
                #expect(twice.status == .badRequest, "\(path): \(twice.status) \(twice.text)")
            }
            let longURI = "https://long.example.com/" + String(repeating: "a", count: 900)
            let long = try await client.execute(
                uri: "/oauth/resources", method: .post, headers: Self.json(admin),
                body: ByteBuffer(string: #"{"uri": "\#(longURI)", "scopes": ["long"]}"#))
            #expect(long.status == .created, "\(long.text.prefix(300))")
            #expect((try long.json()["name"] as? String)?.count == 255)
            #expect(try await client.execute(uri: "/oauth/resources/\(id)", method: .delete, headers: bearer(admin)).status == .noContent)
            #expect(try await client.get("/oauth/resources/\(id)", token: admin).status == .notFound)
            #expect(try await client.get("/oauth/resources/x", token: admin).status == .notFound)
        }
    }

    @Test("A registration made by another instance (the CLI) is in force here within one mirror pass", .timeLimit(.minutes(5)))
    func catalogFollowsOtherInstances() async throws {
        try await withServer(live: true) { server, client in
            // Written straight to the store, as another process would: this instance's catalog has not seen it.
            _ = try await server.portcullis.store.resourceServers.createResourceServer(
                NewResourceServer(
                    workspaceID: server.workspace.id, uri: Self.orders, name: "Orders", scopes: [ResourceScope(name: "read:orders", description: "")],
                    clientID: "rs_elsewhere", secretHash: "00", machineClients: [server.clientID]),
                now: 1)
            try await server.nextMirrorPass()
            #expect(try await Self.token(server, client, [("resource", Self.orders)]).status == .ok)
        }
    }

    @Test("The code flow with two resource parameters: the consent screen names the API and its scope's words; the code's token is for it")
    func codeFlow() async throws {
        try await withServer { server, client in
            _ = try await Self.registerOrders(server)
            let billing = try await Self.registerOrders(server, uri: "https://billing.example.com/")
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let consent = try await browser.get(
                authorizeURL(clients.web.client.clientID, [("resource", Self.orders), ("resource", billing.0.uri), ("scope", "read:orders")]))
            #expect(consent.status == .ok, "\(consent.status) \(consent.headers[.location] ?? "")")
            #expect(consent.text.contains("Read your orders"))
            #expect(consent.text.contains("<strong>Orders</strong> (<code>https://orders.example.com/</code>)"))
            let accept = try await browser.post(HTML.formAction(consent.text)!, HTML.hiddenFields(consent.text) + [("decision", "accept")])
            let code = try #require(locationParameters(accept.headers[.location] ?? "")["code"])
            let auth = basic(clients.web.client.clientID, clients.web.secret!)
            // RFC 8707 §2.2: the token request may pick one of the code's resources, never another.
            let other = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("resource", "https://unknown.example.com/")], headers: auth)
            #expect(try other.string("error") == "invalid_target")
            let code2 = try await AuthorizationFlowTests.code(
                server, client, clients.web, extra: [("resource", Self.orders), ("resource", billing.0.uri), ("scope", "read:orders")])
            let token = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code2), ("resource", Self.orders)], headers: auth)
            #expect(token.status == .ok, "\(token.text)")
            let claims = try jwtPayload(try #require(try token.string("access_token")))
            #expect(claims["aud"] as? String == Self.orders && claims["scope"] as? String == "read:orders")
            // An unregistered resource at the authorization endpoint goes back to the client as invalid_target.
            let refused = try await browser.get(authorizeURL(clients.web.client.clientID, [("resource", "https://unknown.example.com/")]))
            #expect(locationParameters(refused.headers[.location] ?? "")["error"] == "invalid_target")
        }
    }

    @Test("A new resource-server secret works at once and the old one no longer does")
    func rotateSecret() async throws {
        try await withServer { server, client in
            let (orders, old) = try await Self.registerOrders(server)
            let (_, new) = try await server.portcullis.resourceAdministration.regenerateSecret(id: orders.id, in: server.workspace)
            #expect(try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(orders.clientID, old)).status == .unauthorized)
            #expect(try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(orders.clientID, new)).status == .ok)
        }
    }

    // MARK: The attacker's pass of issue 15 (each of these failed before its fix)

    @Test("Client credentials for an API only for the clients its registration names (attacker's pass: any client creator got every API's scopes)")
    func machineClients() async throws {
        try await withServer { server, client in
            _ = try await server.portcullis.resourceAdministration.create(
                ResourceServerRegistration(
                    uri: Self.orders, scopes: [ResourceScope(name: "read:orders", description: "")], machineClients: [server.machineClient.client.clientID]),
                in: server.workspace)
            // The seed client is not named: neither by resource nor by the API's scope.
            #expect(try await Self.token(server, client, [("resource", Self.orders)]).string("error") == "invalid_target")
            #expect(try await Self.token(server, client, [("scope", "read:orders")]).string("error") == "invalid_target")
            // The named one is.
            let named = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials"), ("resource", Self.orders)],
                headers: basic(server.machineClient.client.clientID, server.machineClient.secret!))
            #expect(named.status == .ok, "\(named.text)")
            // A user's own token for the API (the user consents for themselves) needs no such listing.
            let user = try await client.postForm(
                "/oauth/token",
                [("grant_type", "password"), ("username", "alice"), ("password", TestServer.alicePassword), ("resource", Self.orders)],
                headers: basic(server.clientID, server.clientSecret))
            #expect(user.status == .ok, "\(user.text)")
            // Naming a client that does not exist is refused at registration.
            await #expect(throws: ValidationFailure.self) {
                try await server.portcullis.resourceAdministration.create(
                    ResourceServerRegistration(uri: "https://x.example.com/", scopes: [ResourceScope(name: "x", description: "")], machineClients: ["NOPE"]),
                    in: server.workspace)
            }
        }
    }

    @Test("The revocation feed carries only the resource server's own workspace (attacker's pass: every workspace's rows)")
    func feedIsolation() async throws {
        try await withServer { server, client in
            let sales = try await server.portcullis.createWorkspace(named: "sales")
            let (salesAPI, salesSecret) = try await server.portcullis.resourceAdministration.create(
                ResourceServerRegistration(uri: "https://sales-orders.example.com/", scopes: [ResourceScope(name: "read:orders", description: "")]),
                in: sales)
            let (ownAPI, ownSecret) = try await Self.registerOrders(server)
            let login = try await server.login(client)
            _ = try await client.postForm(
                "/oauth/revoke", [("token", login["refresh_token"] as! String)], headers: basic(server.clientID, server.clientSecret))
            _ = try await client.postForm(
                "/oauth/revoke", [("token", login["access_token"] as! String)], headers: basic(server.clientID, server.clientSecret))
            let jti = try #require(try jwtPayload(login["access_token"] as! String)["jti"] as? String)
            func values(_ path: String, _ id: String, _ secret: String) async throws -> [String] {
                let rows = try await client.execute(uri: path, method: .get, headers: basic(id, secret)).json()["revocations"] as? [[String: Any]]
                return (rows ?? []).compactMap { $0["value"] as? String }
            }
            let own = try await values("/oauth/revocations", ownAPI.clientID, ownSecret)
            #expect(own.contains(jti) && own.count >= 2)
            let foreign = try await values("/sales/oauth2/revocations", salesAPI.clientID, salesSecret)
            #expect(foreign.isEmpty, "\(foreign)")
        }
    }

    @Test(
        "A resource URI is registered in one workspace only (second attacker's pass: with one URI in two workspaces a guard took either's tokens, and missed the other's revocations)"
    )
    func uriAcrossWorkspaces() async throws {
        try await withServer { server, _ in
            let sales = try await server.portcullis.createWorkspace(named: "sales")
            _ = try await Self.registerOrders(server)
            let refused = await #expect(throws: ValidationFailure.self) {
                try await server.portcullis.resourceAdministration.create(
                    ResourceServerRegistration(uri: Self.orders, scopes: [ResourceScope(name: "read:orders", description: "")]), in: sales)
            }
            #expect(refused?.errors.map(\.field) == ["uri"])
            #expect(try await server.portcullis.resourceAdministration.list(in: sales).isEmpty)
        }
    }

    @Test(
        "Only a super admin edits, regenerates or deletes a machine client (second attacker's pass: edit-auth_clients took one's secret and its client-credentials access)"
    )
    func machineClientIsTheSuperAdmins() async throws {
        try await withServer { server, client in
            let ws = server.workspace
            let eacUser = try await server.portcullis.createUser(
                username: "eac", password: "eac-password-1", permissions: [.editAuthClients, .deleteAuthClients, .viewAuthClients], in: ws)
            let eac = try await server.accessToken(client, username: "eac", password: "eac-password-1")
            let (orders, _) = try await Self.registerOrders(server)
            let machine = try #require(try await server.portcullis.clientAdministration.client(id: server.clientID, in: ws))
            #expect(try await client.putJSON("/oauth/clients/\(server.clientID)", ["description": "mine"], token: eac).status == .forbidden)
            #expect(try await client.execute(uri: "/oauth/clients/\(server.clientID)", method: .delete, headers: bearer(eac)).status == .forbidden)
            // The page's regenerate button asks the same rule.
            #expect(!server.portcullis.clientAdministration.mayEdit(machine, eacUser))
            let root = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            #expect(try await client.putJSON("/oauth/clients/\(server.clientID)", ["description": "ours"], token: root).status == .ok)
            // No longer a machine client: the permission is enough again.
            _ = try await server.portcullis.resourceAdministration.setMachineClients([], id: orders.id, in: ws)
            // Dropping it revoked the client's access tokens, eac's among them (it signed in through that client); a
            // token from the next second on is good.
            server.time.advance(1)
            let again = try await server.accessToken(client, username: "eac", password: "eac-password-1")
            #expect(try await client.putJSON("/oauth/clients/\(server.clientID)", ["description": "mine"], token: again).status == .ok)
        }
    }

    @Test(
        "Failures from one address do not lock a resource server out: its right credentials pass, wrong ones get 429 (second attacker's pass: the block blinded the guard to revocations)"
    )
    func blockedAddressKeepsTheFeed() async throws {
        let server = try await TestServer.start { $0.throttle.perAddress = 3 }
        defer { Task { await server.stop() } }
        let (orders, secret) = try await Self.registerOrders(server)
        let core = server.portcullis.authorizationServer
        for index in 0..<5 {
            do {
                _ = try await core.authenticateResourceServer(
                    BasicCredentials(clientID: orders.clientID, secret: "wrong-\(index)"), in: server.workspace, address: "192.0.2.7")
                Issue.record("a wrong secret passed")
            } catch OAuthError.invalidClient {
                #expect(index < 3, "failure \(index) should have been throttled")
            } catch OAuthError.throttled {
                #expect(index >= 3)
            }
        }
        let found = try await core.authenticateResourceServer(
            BasicCredentials(clientID: orders.clientID, secret: secret), in: server.workspace, address: "192.0.2.7")
        #expect(found.id == orders.id)
    }

    @Test(
        "Another workspace's API finds its feed and introspection at the metadata's endpoints (its credentials name the workspace, which the feed names); rows outlive their expiry by the grace"
    )
    func feedOfAnotherWorkspace() async throws {
        try await withServer { server, client in
            let sales = try await server.portcullis.createWorkspace(named: "sales")
            let (salesAPI, secret) = try await server.portcullis.resourceAdministration.create(
                ResourceServerRegistration(uri: "https://sales-api.example.com/", scopes: [ResourceScope(name: "read:sales", description: "")]),
                in: sales)
            let page = try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(salesAPI.clientID, secret))
            #expect(page.status == .ok, "\(page.text)")
            #expect(try page.json()["workspace"] as? String == "sales")
            // A path that names a workspace must name the resource server's own.
            #expect(
                try await client.execute(uri: "/workflow/oauth2/revocations", method: .get, headers: basic(salesAPI.clientID, secret)).status == .unauthorized)
            let (ordersAPI, ordersSecret) = try await Self.registerOrders(server)
            #expect(
                try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(ordersAPI.clientID, ordersSecret)).json()["workspace"]
                    as? String == "workflow")
            // A revoked token's row stays in the feed past the token's expiry, for any guard's leeway.
            let token = try #require(try await Self.token(server, client, [("resource", Self.orders)]).string("access_token"))
            _ = try await client.postForm("/oauth/revoke", [("token", token)], headers: basic(server.clientID, server.clientSecret))
            let jti = try #require(try jwtPayload(token)["jti"] as? String)
            func listed() async throws -> Bool {
                let rows =
                    try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(ordersAPI.clientID, ordersSecret))
                    .json()["revocations"] as? [[String: Any]]
                return (rows ?? []).contains { $0["value"] as? String == jti }
            }
            #expect(try await listed())
            server.time.advance(3600 + 60)
            #expect(try await listed(), "dropped at the token's expiry")
            server.time.advance(AuthorizationServer.feedGrace)
            #expect(try await !listed())
        }
    }

    @Test(
        "A client dropped from an API's machine clients loses the access tokens it holds, at once (third attacker's pass: they lived until they expired)"
    )
    func droppedMachineClientLosesItsTokens() async throws {
        try await withServer { server, client in
            let (orders, secret) = try await Self.registerOrders(server)
            let token = try #require(try await Self.token(server, client, [("resource", Self.orders)]).string("access_token"))
            func active() async throws -> Bool {
                try await client.postForm("/oauth/introspect", [("token", token)], headers: basic(orders.clientID, secret)).json()["active"]
                    as? Bool == true
            }
            #expect(try await active())
            _ = try await server.portcullis.resourceAdministration.setMachineClients([], id: orders.id, in: server.workspace)
            #expect(try await !active())
            let rows =
                try await client.execute(uri: "/oauth/revocations", method: .get, headers: basic(orders.clientID, secret))
                .json()["revocations"] as? [[String: Any]]
            #expect((rows ?? []).contains { $0["kind"] as? String == "client" && $0["value"] as? String == server.clientID })
        }
    }

    @Test("No resource server may take a URI of Portcullis's own origin, nor register without a scope (attacker's pass)")
    func ownOriginRefused() async throws {
        try await withServer { server, _ in
            for uri in [
                "http://portcullis.test/api/1.0/workflow", "http://portcullis.test/api/1.0/sales", "http://portcullis.test", "http://portcullis.test/x",
            ] {
                await #expect(throws: ValidationFailure.self, "\(uri)") {
                    try await server.portcullis.resourceAdministration.create(
                        ResourceServerRegistration(uri: uri, scopes: [ResourceScope(name: "x", description: "")]), in: server.workspace)
                }
            }
            await #expect(throws: ValidationFailure.self) {
                try await server.portcullis.resourceAdministration.create(ResourceServerRegistration(uri: "https://empty.example.com/"), in: server.workspace)
            }
        }
    }

    @Test("Deleting a resource server revokes the grants and tokens for it: registering the URI again brings nothing back (attacker's pass)")
    func deleteRevokes() async throws {
        try await withServer { server, client in
            let (orders, _) = try await Self.registerOrders(server)
            let login = try await client.postForm(
                "/oauth/token",
                [("grant_type", "password"), ("username", "alice"), ("password", TestServer.alicePassword), ("resource", Self.orders)],
                headers: basic(server.clientID, server.clientSecret))
            let access = try #require(try login.string("access_token"))
            let refresh = try #require(try login.string("refresh_token"))
            try await server.portcullis.resourceAdministration.delete(id: orders.id, in: server.workspace)
            _ = try await Self.registerOrders(server)
            let again = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh)], headers: basic(server.clientID, server.clientSecret))
            #expect(try again.string("error") == "invalid_grant", "\(again.text)")
            var headers: HTTPFields = [HTTPField.Name("X-Portcullis-Resource")!: Self.orders]
            headers[.authorization] = "Bearer \(access)"
            #expect(try await client.execute(uri: "/oauth/check", method: .get, headers: headers).status == .unauthorized)
        }
    }

    @Test("The consent form's nonce covers the resources: editing them before Accept is refused (attacker's pass)")
    func consentCoversResources() async throws {
        try await withServer { server, client in
            _ = try await Self.registerOrders(server)
            let billing = try await Self.registerOrders(server, uri: "https://billing.example.com/")
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let consent = try await browser.get(authorizeURL(clients.web.client.clientID, [("resource", Self.orders), ("scope", "read:orders")]))
            #expect(consent.status == .ok)
            let edited = AuthorizationFlowTests.consentFields(consent, ["resource": billing.0.uri]) + [("decision", "accept")]
            let answer = try await browser.post(HTML.formAction(consent.text)!, edited)
            #expect(answer.status == .forbidden, "\(answer.status) \(answer.headers[.location] ?? "")")
        }
    }

    @Test("Concurrent deletes of one resource server: exactly one 204; ids are never reused; only canonical ids name one (attacker's pass)")
    func deletesAndIDs() async throws {
        try await withServer(live: true) { server, client in
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            // No machine clients: deleting one would revoke its access tokens, the admin's among them (same client).
            let (first, _) = try await server.portcullis.resourceAdministration.create(
                ResourceServerRegistration(uri: Self.orders, scopes: [ResourceScope(name: "read:orders", description: "")]), in: server.workspace)
            #expect(try await client.get("/oauth/resources/0\(first.id)", token: admin).status == .notFound)
            #expect(try await client.get("/oauth/resources/+\(first.id)", token: admin).status == .notFound)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { Int(try await client.execute(uri: "/oauth/resources/\(first.id)", method: .delete, headers: bearer(admin)).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 204 }.count == 1, "\(statuses)")
            #expect(statuses.allSatisfy { $0 == 204 || $0 == 404 })
            let (second, _) = try await Self.registerOrders(server)
            #expect(second.id > first.id)
        }
    }

    @Test(
        "Resource values are taken as sent: a space inside, or around, is invalid_target; scope names the parser would split, or case variants of reserved ones, are refused",
        arguments: ["https://orders.example.com/ https://billing.example.com/", " https://orders.example.com/", "https://orders.example.com/\u{1F}"])
    func strictResourceValues(_ value: String) async throws {
        try await withServer { server, client in
            _ = try await Self.registerOrders(server)
            _ = try await Self.registerOrders(server, uri: "https://billing.example.com/")
            #expect(try await Self.token(server, client, [("resource", value)]).string("error") == "invalid_target")
            for name in ["x,y", "a+b", "EDIT_PROCESSES", "OpenID"] {
                await #expect(throws: ValidationFailure.self, "\(name)") {
                    try await server.portcullis.resourceAdministration.create(
                        ResourceServerRegistration(uri: "https://n.example.com/", scopes: [ResourceScope(name: name, description: "")]), in: server.workspace)
                }
            }
        }
    }

    @Test("The check's Cache-Control never reaches the token's expiry, and is at most a second; the feed cursor is digits only")
    func cacheAndCursor() async throws {
        try await withServer { server, client in
            let (orders, secret) = try await Self.registerOrders(server)
            let token = try #require(try await Self.token(server, client, [("resource", Self.orders)]).string("access_token"))
            var headers: HTTPFields = [HTTPField.Name("X-Portcullis-Resource")!: Self.orders]
            headers[.authorization] = "Bearer \(token)"
            #expect(try await client.execute(uri: "/oauth/check", method: .get, headers: headers).headers[.cacheControl] == "max-age=1")
            // Near its expiry: the answer may be cached only for less than the token has left (whole seconds, so a
            // token with one second by the clock may have a fraction of one).
            // Moved from the clock's reading now, not from issuance: on a loaded run seconds pass between the two.
            let expiry = try #require(try jwtPayload(token)["exp"] as? Int)
            server.time.advance(Int64(expiry - Int(server.portcullis.clock.now()) - 2))
            let before = Int(server.portcullis.clock.now())
            let answer = try await client.execute(uri: "/oauth/check", method: .get, headers: headers)
            #expect(answer.status == .ok)
            let maxAge = try #require(answer.headers[.cacheControl].flatMap { Int($0.dropFirst("max-age=".count)) })
            #expect(maxAge < expiry - before && maxAge <= 1, "max-age=\(maxAge) with \(expiry - before) s left")
            #expect(
                try await client.execute(uri: "/oauth/revocations?cursor=+1", method: .get, headers: basic(orders.clientID, secret)).status == .badRequest)
        }
    }

    @Test(
        "The admin page: a super admin registers one (the secret on that answer only, no-store), sees it listed, deletes it; bad input is 422 with the field's message"
    )
    func adminPage() async throws {
        try await withServer { server, client in
            let browser = Browser(client)
            _ = try await signIn(browser, username: "admin", password: TestServer.adminPassword)
            let empty = try await browser.get("/admin/resources")
            #expect(empty.status == .ok && empty.text.contains("No resource servers yet."))
            let csrf = try #require(AuthorizationFlowTests.field(empty, "csrf"))
            let created = try await browser.post(
                "/admin/resources",
                [
                    ("csrf", csrf), ("uri", "https://page.example.com/"), ("name", "Page API"), ("scopes", "page:read = Read pages\npage:write"),
                    ("machine_clients", server.clientID),
                ])
            #expect(created.status == .ok, "\(created.status) \(created.text.prefix(300))")
            #expect(created.headers[.cacheControl] == "no-store")
            #expect(created.text.contains("pcl_cs_") && created.text.contains("rs_"))
            let listed = try await browser.get("/admin/resources")
            #expect(listed.text.contains("https://page.example.com/") && listed.text.contains("page:write") && !listed.text.contains("pcl_cs_"))
            let registered = try #require(server.portcullis.resourceCatalog.servers(in: server.workspace.id).first)
            #expect(registered.scopes.map(\.description) == ["Read pages", "page:write"] && registered.machineClients == [server.clientID])
            let bad = try await browser.post("/admin/resources", [("csrf", csrf), ("uri", "ftp://x"), ("scopes", "a")])
            #expect(bad.status == .unprocessableContent && bad.text.contains("The uri must be an absolute http or https URI"))
            let deleted = try await browser.post("/admin/resources/\(registered.id)/delete", [("csrf", csrf)])
            #expect(deleted.status == .seeOther)
            #expect(try await browser.get("/admin/resources").text.contains("Deleted the resource server Page API"))
            #expect(server.portcullis.resourceCatalog.servers(in: server.workspace.id).isEmpty)
        }
    }
}
