import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

@Suite("Token endpoint: grants")
struct TokenGrantTests {
    @Test("Seed 001: the JSON password request at /oauth/token gives a Bearer token and a refresh token")
    func seed001Password() async throws {
        try await withServer { server, client in
            let response = try await client.postJSON(
                "/oauth/token",
                [
                    "client_id": server.clientID, "username": "admin", "password": TestServer.adminPassword,
                    "client_secret": server.clientSecret, "grant_type": "password",
                ])
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.json()
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["expires_in"] as? Int == 3600)
            #expect((body["refresh_token"] as? String)?.hasPrefix("pcl_rt_") == true)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[HTTPField.Name("Pragma")!] == "no-cache")
            let token = try #require(body["access_token"] as? String)
            let claims = try server.portcullis.authorizationServer.codec.verify(token, now: server.portcullis.clock.now())
            #expect(claims.subject == "1")
            #expect(claims.clientID == server.clientID)
            #expect(claims.scopes == ["*"])
            #expect(claims.audience == ["http://portcullis.test/api/1.0/workflow"])
            #expect(claims.grantID != nil)
        }
    }

    @Test("Seed 000: the pm3 password request works as form, JSON and PHP cURL's multipart", arguments: ["form", "json", "multipart"])
    func pm3Password(_ encoding: String) async throws {
        try await withServer { server, client in
            let fields = [
                ("grant_type", "password"), ("scope", "*"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                ("username", "alice"), ("password", TestServer.alicePassword),
            ]
            let response: TestResponse
            switch encoding {
            case "form": response = try await client.postForm("/workflow/oauth2/token", fields)
            case "json": response = try await client.postJSON("/workflow/oauth2/token", Dictionary(uniqueKeysWithValues: fields))
            default: response = try await client.postMultipart("/workflow/oauth2/token", fields)
            }
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.json()
            #expect(body["token_type"] as? String == "bearer")
            #expect(body["scope"] as? String == "*")
            #expect(body["refresh_token"] is String)
            let claims = try jwtPayload(try #require(body["access_token"] as? String))
            #expect(claims["sub"] as? String == String(server.alice.id))
        }
    }

    @Test("Seed 003: client credentials over HTTP Basic with a form body; no refresh token; sub is the client")
    func clientCredentials() async throws {
        try await withServer { server, client in
            let response = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret))
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.json()
            #expect(body["refresh_token"] == nil)
            let claims = try jwtPayload(try #require(body["access_token"] as? String))
            #expect(claims["sub"] as? String == server.clientID)
            #expect(claims["gid"] == nil)
            // pm3 (seed 000) spells it the same way at /{workspace}/oauth2/token.
            let pm3 = try await client.postForm(
                "/workflow/oauth2/token", [("grant_type", "client_credentials")],
                headers: basic(server.machineClient.client.clientID, server.machineClient.secret!))
            #expect(try pm3.string("token_type") == "bearer")
        }
    }

    @Test("Client credentials need the switch and a confidential client")
    func clientCredentialsRules() async throws {
        try await withServer { server, client in
            // The public client sends no secret: it cannot use client credentials.
            let publicTry = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials"), ("client_id", server.publicClient.client.clientID)])
            #expect(publicTry.status == .badRequest)
            #expect(try publicTry.string("error") == "unauthorized_client")
            // The machine client may not use the password grant.
            let password = try await client.postForm(
                "/oauth/token", [("grant_type", "password"), ("username", "alice"), ("password", TestServer.alicePassword)],
                headers: basic(server.machineClient.client.clientID, server.machineClient.secret!))
            #expect(try password.string("error") == "unauthorized_client")
        }
    }

    @Test("A public client uses the password grant with only its client_id")
    func publicClientPassword() async throws {
        try await withServer { server, client in
            let response = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.publicClient.client.clientID), ("username", "alice"),
                    ("password", TestServer.alicePassword),
                ])
            #expect(response.status == .ok, "\(response.text)")
            let withSecret = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.publicClient.client.clientID), ("client_secret", "guess"),
                    ("username", "alice"), ("password", TestServer.alicePassword),
                ])
            #expect(withSecret.status == .unauthorized)
        }
    }

    @Test("Usernames match case-insensitively (seed 000)")
    func caseInsensitiveUsername() async throws {
        try await withServer { server, client in
            let response = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                    ("username", "ALICE"), ("password", TestServer.alicePassword),
                ])
            #expect(response.status == .ok)
        }
    }

    @Test("Scopes: several at once, singular aliases, and the token carries them")
    func scopes() async throws {
        try await withServer { server, client in
            let response = try await client.postForm(
                "/workflow/oauth2/token",
                [
                    ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                    ("username", "alice"), ("password", TestServer.alicePassword), ("scope", "view_process edit_process"),
                ])
            #expect(try response.string("scope") == "edit_processes view_processes")
            let claims = try jwtPayload(try #require(try response.string("access_token")))
            #expect(claims["scopes"] as? [String] == ["edit_processes", "view_processes"])
        }
    }
}

@Suite("Token endpoint: refresh tokens")
struct RefreshTokenTests {
    static func login(_ server: TestServer, _ client: any TestClientProtocol, scope: String? = nil) async throws -> [String: Any] {
        var fields = [
            ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret), ("username", "alice"),
            ("password", TestServer.alicePassword),
        ]
        if let scope { fields.append(("scope", scope)) }
        let response = try await client.postForm("/oauth/token", fields)
        guard response.status == .ok else { throw TestFailure("login failed: \(response.text)") }
        return try response.json()
    }

    static func refresh(_ server: TestServer, _ client: any TestClientProtocol, _ token: String, scope: String? = nil) async throws -> TestResponse {
        var object: [String: Any] = [
            "client_id": server.clientID, "client_secret": server.clientSecret, "refresh_token": token, "grant_type": "refresh_token",
        ]
        if let scope { object["scope"] = scope }
        return try await client.postJSON("/oauth/token", object)
    }

    @Test("Seed 001's refresh request rotates the refresh token")
    func rotation() async throws {
        try await withServer { server, client in
            let first = try await Self.login(server, client)
            let firstRefresh = try #require(first["refresh_token"] as? String)
            let response = try await Self.refresh(server, client, firstRefresh)
            #expect(response.status == .ok, "\(response.text)")
            let second = try response.json()
            let secondRefresh = try #require(second["refresh_token"] as? String)
            #expect(secondRefresh != firstRefresh)
            #expect(second["token_type"] as? String == "Bearer")
            let claims = try jwtPayload(try #require(second["access_token"] as? String))
            #expect(claims["gid"] as? String == (try jwtPayload(first["access_token"] as! String))["gid"] as? String)
            // The successor works in turn.
            #expect(try await Self.refresh(server, client, secondRefresh).status == .ok)
        }
    }

    @Test("A used refresh token presented again revokes the whole grant: its refresh and access tokens")
    func reuseRevokesGrant() async throws {
        try await withServer { server, client in
            let first = try await Self.login(server, client)
            let firstRefresh = try #require(first["refresh_token"] as? String)
            let second = try await Self.refresh(server, client, firstRefresh).json()
            let secondRefresh = try #require(second["refresh_token"] as? String)
            let secondAccess = try #require(second["access_token"] as? String)

            let replay = try await Self.refresh(server, client, firstRefresh)
            #expect(replay.status == .badRequest)
            #expect(try replay.string("error") == "invalid_grant")
            // The legitimate successor is dead too…
            let afterReplay = try await Self.refresh(server, client, secondRefresh)
            #expect(try afterReplay.string("error") == "invalid_grant")
            // …and so are the grant's access tokens, old and new.
            let codec = server.portcullis.authorizationServer.codec
            for token in [try #require(first["access_token"] as? String), secondAccess] {
                let claims = try codec.verify(token, now: server.portcullis.clock.now())
                #expect(server.portcullis.revocationList.isRevoked(claims))
            }
            // A fresh login is unaffected.
            let fresh = try await Self.login(server, client)
            let freshClaims = try codec.verify(fresh["access_token"] as! String, now: server.portcullis.clock.now())
            #expect(!server.portcullis.revocationList.isRevoked(freshClaims))
        }
    }

    @Test("Twenty concurrent redemptions of one refresh token: exactly one succeeds")
    func concurrentRedemptions() async throws {
        try await withServer { server, client in
            let refresh = try #require(try await Self.login(server, client)["refresh_token"] as? String)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 { group.addTask { try await Self.refresh(server, client, refresh).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .badRequest }.count == 19, "\(statuses)")
        }
    }

    @Test("The refresh scope may narrow, never widen")
    func scopeNarrowing() async throws {
        try await withServer { server, client in
            let edit = try await Self.login(server, client, scope: "edit_processes")
            let narrowed = try await Self.refresh(server, client, edit["refresh_token"] as! String, scope: "view_processes")
            #expect(narrowed.status == .ok)
            #expect(try narrowed.string("scope") == "view_processes")
            // The grant keeps its scope: the next refresh may ask for edit again.
            let back = try await Self.refresh(server, client, try narrowed.string("refresh_token")!, scope: "edit_processes")
            #expect(back.status == .ok)
            // Widening is refused and does not burn the token.
            let widened = try await Self.refresh(server, client, try back.string("refresh_token")!, scope: "*")
            #expect(try widened.string("error") == "invalid_scope")
            #expect(try await Self.refresh(server, client, try back.string("refresh_token")!).status == .ok)
        }
    }

    @Test("A refresh token works only for the client it was issued to, and unknown ones are refused")
    func foreignAndUnknown() async throws {
        try await withServer { server, client in
            let refresh = try #require(try await Self.login(server, client)["refresh_token"] as? String)
            let foreign = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh)],
                headers: basic(server.machineClient.client.clientID, server.machineClient.secret!))
            #expect(try foreign.string("error") == "invalid_grant")
            // The rightful client can still use it: the foreign attempt did not burn it.
            #expect(try await Self.refresh(server, client, refresh).status == .ok)
            for junk in ["pcl_rt_" + String(repeating: "A", count: 43), "def50200564ed7eb", ""] {
                let response = try await Self.refresh(server, client, junk)
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("An expired refresh token is refused")
    func expired() async throws {
        try await withServer({ $0.refreshTokenLifetime = 60 }) { server, client in
            let refresh = try #require(try await Self.login(server, client)["refresh_token"] as? String)
            _ = try await server.portcullis.store.grants.refreshToken(hash: OpaqueSecret.hash(refresh))
            try await server.portcullis.store.sqlForTests("UPDATE refresh_tokens SET expires_at = 1")
            let response = try await Self.refresh(server, client, refresh)
            #expect(try response.string("error_description") == "The refresh token has expired")
        }
    }
}
