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
                scopes: [ResourceScope(name: "read:orders", description: "Read your orders"), ResourceScope(name: "write:orders", description: "")]),
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
            // A resource scope alone names its resource (the audience follows from the scope).
            let inferred = try await Self.token(server, client, [("scope", "write:orders")])
            #expect(try jwtPayload(try #require(try inferred.string("access_token")))["aud"] as? [String] == [Self.orders, other.0.uri])
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
            // Deleted: the grant's resource is gone.
            try await server.portcullis.resourceAdministration.delete(id: orders.0.id, in: server.workspace)
            #expect(try await refreshed([]).string("error") == "invalid_target")
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
                #"{"uri": "https://b.example/", "scopes": ["*"]}"#, #"{"uri": "https://b.example/", "scopes": ["openid"]}"#,
                #"{"uri": "https://b.example/", "scopes": ["a b"]}"#, #"{"uri": "https://b.example/", "scopes": ["x", "x"]}"#, #"{"uri": 5}"#,
                #"[]"#,
            ] {
                let response = try await client.execute(
                    uri: "/oauth/resources", method: .post, headers: Self.json(admin), body: ByteBuffer(string: bad))
                #expect(response.status == .unprocessableContent, "\(bad): \(response.status) \(response.text)")
            }
            #expect(try await client.execute(uri: "/oauth/resources/\(id)", method: .delete, headers: bearer(admin)).status == .noContent)
            #expect(try await client.get("/oauth/resources/\(id)", token: admin).status == .notFound)
            #expect(try await client.get("/oauth/resources/x", token: admin).status == .notFound)
        }
    }

    @Test("A registration made by another instance (the CLI) is in force here within one mirror pass", .timeLimit(.minutes(1)))
    func catalogFollowsOtherInstances() async throws {
        try await withServer(live: true) { server, client in
            // Written straight to the store, as another process would: this instance's catalog has not seen it.
            _ = try await server.portcullis.store.resourceServers.createResourceServer(
                NewResourceServer(
                    workspaceID: server.workspace.id, uri: Self.orders, name: "Orders", scopes: [], clientID: "rs_elsewhere", secretHash: "00"),
                now: 1)
            #expect(try await Self.token(server, client, [("resource", Self.orders)]).string("error") == "invalid_target")
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
}
