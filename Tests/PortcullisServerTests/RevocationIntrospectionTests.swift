import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer

@Suite("Revocation (RFC 7009) and introspection (RFC 7662)")
struct RevocationIntrospectionTests {
    static func introspect(_ server: TestServer, _ client: any TestClientProtocol, _ token: String, path: String = "/oauth/introspect")
        async throws -> [String: Any]
    {
        // Asked by the client the tokens were issued to: another client without may_introspect hears active:false
        // for everything (IntrospectionAccessTests), which would make the checks below vacuous.
        let response = try await client.postForm(path, [("token", token)], headers: basic(server.clientID, server.clientSecret))
        #expect(response.status == .ok, "\(response.text)")
        #expect(response.headers[.cacheControl] == "no-store")
        return try response.json()
    }

    @Test("An active access token introspects with its claims; a refresh token too")
    func active() async throws {
        try await withServer { server, client in
            let login = try await server.login(client, scope: "view_processes")
            let access = try await Self.introspect(server, client, login["access_token"] as! String)
            #expect(access["active"] as? Bool == true)
            #expect(access["token_type"] as? String == "Bearer")
            #expect(access["scope"] as? String == "view_processes")
            #expect(access["client_id"] as? String == server.clientID)
            #expect(access["sub"] as? String == String(server.alice.id))
            #expect(access["iss"] as? String == "http://portcullis.test")
            #expect(access["exp"] is Int && access["iat"] is Int && access["jti"] is String)
            let refresh = try await Self.introspect(server, client, login["refresh_token"] as! String, path: "/workflow/oauth2/introspect")
            #expect(refresh["active"] as? Bool == true)
            #expect(refresh["token_type"] as? String == "refresh_token")
            #expect(refresh["client_id"] as? String == server.clientID)
        }
    }

    @Test("Expired, revoked, malformed, used and foreign tokens are all active: false, and nothing else")
    func inactive() async throws {
        try await withServer { server, client in
            let first = try await server.login(client)
            let second = try await server.login(client)
            // Used refresh token.
            _ = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", second["refresh_token"] as! String)],
                headers: basic(server.clientID, server.clientSecret))
            // Revoked access token.
            _ = try await client.postForm("/oauth/revoke", [("token", first["access_token"] as! String)], headers: basic(server.clientID, server.clientSecret))
            // A token for another workspace.
            let sales = try await server.portcullis.createWorkspace(named: "sales")
            let salesClient = try await server.portcullis.registerClient(ClientRegistration(name: "S", grants: [.clientCredentials]), in: sales)
            let foreign = try await client.postForm(
                "/sales/oauth2/token", [("grant_type", "client_credentials")], headers: basic(salesClient.client.clientID, salesClient.secret!)
            ).string("access_token")!
            for token in [first["access_token"] as! String, second["refresh_token"] as! String, foreign, "garbage", "pcl_rt_x", "a.b.c"] {
                let result = try await Self.introspect(server, client, token)
                #expect(result.count == 1 && result["active"] as? Bool == false, "\(result)")
            }
            let live = second["access_token"] as! String
            #expect(try await Self.introspect(server, client, live)["active"] as? Bool == true)
            server.time.advance(3601)
            #expect(try await Self.introspect(server, client, live)["active"] as? Bool == false)
        }
    }

    @Test("Introspection needs an authenticated confidential client")
    func introspectionAuth() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            let anonymous = try await client.postForm("/oauth/introspect", [("token", token)])
            #expect(anonymous.status == .unauthorized)
            let publicClient = try await client.postForm("/oauth/introspect", [("token", token), ("client_id", server.publicClient.client.clientID)])
            #expect(publicClient.status == .unauthorized)
            let wrong = try await client.postForm("/oauth/introspect", [("token", token)], headers: basic(server.clientID, "wrong"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.wwwAuthenticate] == "Basic realm=\"portcullis\"")
            let missing = try await client.postForm("/oauth/introspect", [], headers: basic(server.clientID, server.clientSecret))
            #expect(try missing.string("error") == "invalid_request")
        }
    }

    @Test("Revoking an access token: the API refuses it, the grant's refresh token still works")
    func revokeAccess() async throws {
        try await withServer { server, client in
            let login = try await server.login(client)
            let access = login["access_token"] as! String
            let revoke = try await client.postForm(
                "/oauth/revoke", [("token", access), ("token_type_hint", "access_token")], headers: basic(server.clientID, server.clientSecret))
            #expect(revoke.status == .ok)
            #expect(revoke.headers[.cacheControl] == "no-store")
            #expect(try await client.get("/api/1.0/users/me", token: access).status == .unauthorized)
            let refresh = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", login["refresh_token"] as! String)],
                headers: basic(server.clientID, server.clientSecret))
            #expect(refresh.status == .ok)
        }
    }

    @Test("Revoking a refresh token revokes its grant: its access tokens too", arguments: [nil, "refresh_token", "access_token"] as [String?])
    func revokeRefresh(_ hint: String?) async throws {
        try await withServer { server, client in
            let login = try await server.login(client)
            var fields = [("token", login["refresh_token"] as! String)]
            if let hint { fields.append(("token_type_hint", hint)) }
            #expect(try await client.postForm("/oauth/revoke", fields, headers: basic(server.clientID, server.clientSecret)).status == .ok)
            #expect(try await client.get("/api/1.0/users/me", token: login["access_token"] as? String).status == .unauthorized)
            let refresh = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", login["refresh_token"] as! String)],
                headers: basic(server.clientID, server.clientSecret))
            #expect(try refresh.string("error") == "invalid_grant")
        }
    }

    @Test("Unknown tokens and other clients' tokens answer 200 and change nothing; a public client revokes its own")
    func revokeEdgeCases() async throws {
        try await withServer { server, client in
            let login = try await server.login(client)
            for token in ["garbage", "pcl_rt_" + String(repeating: "A", count: 43)] {
                #expect(try await client.postForm("/oauth/revoke", [("token", token)], headers: basic(server.clientID, server.clientSecret)).status == .ok)
            }
            let other = try await client.postForm(
                "/oauth/revoke", [("token", login["access_token"] as! String)],
                headers: basic(server.machineClient.client.clientID, server.machineClient.secret!))
            #expect(other.status == .ok)
            #expect(try await client.get("/api/1.0/users/me", token: login["access_token"] as? String).status == .ok, "another client cannot revoke it")

            let publicLogin = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.publicClient.client.clientID), ("username", "alice"),
                    ("password", TestServer.alicePassword),
                ]
            ).json()
            let revoke = try await client.postForm(
                "/oauth/revoke", [("token", publicLogin["access_token"] as! String), ("client_id", server.publicClient.client.clientID)])
            #expect(revoke.status == .ok)
            #expect(try await client.get("/api/1.0/users/me", token: publicLogin["access_token"] as? String).status == .unauthorized)
            #expect(try await client.postForm("/oauth/revoke", [("token", "x")]).status == .unauthorized)
            #expect(try await client.postForm("/oauth/revoke", [], headers: basic(server.clientID, server.clientSecret)).status == .badRequest)
        }
    }

    @Test("A revoke made by another process is seen here after the next mirror pass", .timeLimit(.minutes(5)))
    func revocationAcrossInstances() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .ok)
            let other = try await Portcullis.open(server.portcullis.configuration, logger: TestServer.quietLogger)
            _ = try await other.bootstrap()
            try await other.authorizationServer.revoke(
                TokenRequest(parameters: ["token": token], basic: BasicCredentials(clientID: server.clientID, secret: server.clientSecret)),
                in: server.workspace)
            await other.close()
            try await server.nextMirrorPass()
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .unauthorized)
        }
    }

    @Test("The metadata lists revocation and introspection")
    func metadata() async throws {
        try await withServer { _, client in
            let body = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get).json()
            #expect(body["revocation_endpoint"] as? String == "http://portcullis.test/oauth/revoke")
            #expect(body["introspection_endpoint"] as? String == "http://portcullis.test/oauth/introspect")
            #expect(body["introspection_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post"])
        }
    }
}
