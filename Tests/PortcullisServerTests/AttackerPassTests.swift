import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

/// What the black-box attacker's pass of issue 12 found, each pinned by a test that failed before its fix.
@Suite("Attacker's pass findings")
struct AttackerPassTests {
    @Test("create- or edit-auth_clients cannot let a client skip consent or introspect: a silent consent of a signed-in admin made them super admin")
    func onlySuperAdminsTrustClients() async throws {
        try await withServer { server, client in
            let ws = server.workspace
            _ = try await server.portcullis.createUser(
                username: "cac", password: "cac-password-1", permissions: [.createAuthClients, .editAuthClients], in: ws)
            let cac = try await server.accessToken(client, username: "cac", password: "cac-password-1")
            for field in ["skip_consent", "may_introspect"] {
                let body: [String: Any] = [
                    "name": "Totally Legit \(field)", "redirect": "https://attacker.example.net/cb", "types": ["authorization_code_grant"], field: true,
                ]
                let refused = try await client.postJSON("/oauth/clients", body, headers: bearer(cac))
                #expect(refused.status == .unprocessableContent, "\(field): \(refused.text)")
                #expect((try refused.json()["errors"] as? [String: [String]])?[field] != nil)
            }
            // A super admin's trusted client, edited by edit-auth_clients (say, its redirect pointed elsewhere), loses the trust.
            let trusted = try await server.portcullis.registerClient(
                ClientRegistration(
                    name: "First Party", redirectURIs: ["https://app.example.com/cb"], grants: [.authorizationCode], skipsConsent: true,
                    mayIntrospect: true),
                in: ws)
            let edited = try await client.execute(
                uri: "/oauth/clients/\(trusted.client.clientID)", method: .put, headers: [.authorization: "Bearer \(cac)", .contentType: "application/json"],
                body: Body.json(["redirect": "https://attacker.example.net/cb"]))
            #expect(edited.status == .ok, "\(edited.text)")
            let editedBody = try edited.json()
            #expect(editedBody["skip_consent"] as? Bool == false && editedBody["may_introspect"] as? Bool == false)
            // The super admin still may.
            let root = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let granted = try await client.postJSON(
                "/oauth/clients", ["name": "Granted", "redirect": "https://app.example.com/cb", "types": ["authorization_code_grant"], "skip_consent": true],
                headers: bearer(root))
            let grantedSkip = try granted.json()["skip_consent"] as? Bool
            #expect(granted.status == .created && grantedSkip == true, "\(granted.text)")
        }
    }

    @Test("A 72-byte password plus anything does not sign in (bcrypt reads 72 bytes; the pass signed in with pw72 + X)")
    func longerThanBcryptReads() async throws {
        try await withServer { server, client in
            let password72 = String(repeating: "A", count: 71) + "b"
            _ = try await server.portcullis.createUser(username: "long", password: password72, in: server.workspace)
            let stored = try #require(try await server.portcullis.store.users.user(username: "long", workspaceID: server.workspace.id))
            #expect(await server.portcullis.passwords.verify(password72, against: stored.passwordHash), "the hasher verifies it")
            #expect(try await server.login(client, username: "long", password: password72)["access_token"] != nil)
            let longer = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret), ("username", "long"),
                    ("password", password72 + "X"),
                ])
            let error = try longer.string("error")
            #expect(longer.status == .badRequest && error == "invalid_grant", "\(longer.text)")
        }
    }

    @Test("Guessing one's current password through the users API is throttled and audited like a sign-in (the second pass made 200 guesses in 0.8 s)")
    func currentPasswordIsThrottled() async throws {
        try await withServer({ $0.throttle.perUsername = 3 }) { server, client in
            let alice = try await server.accessToken(client)
            func change(_ current: String) async throws -> TestResponse {
                try await client.putJSON(
                    "/api/1.0/users/\(server.alice.id)", ["password": "new-alice-password", "current_password": current], token: alice)
            }
            for guess in 0..<3 { #expect(try await change("guess-\(guess)").status == .unprocessableContent) }
            let throttled = try await change(TestServer.alicePassword)
            #expect(throttled.status == .tooManyRequests, "the fourth try, even the right one: \(throttled.status) \(throttled.text)")
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0, "Retry-After says when")
            let kinds = try await server.portcullis.store.sql.raw("SELECT kind FROM audit_events WHERE kind LIKE 'user.current_password.%'")
                .all(decodingColumn: "kind", as: String.self)
            #expect(kinds.filter { $0 == "user.current_password.failure" }.count == 3 && kinds.contains("user.current_password.throttled"), "\(kinds)")
        }
    }

    @Test("Only a super admin edits or deletes the client every personal token rides on (edit- or delete-auth_clients revoked them all)")
    func personalAccessClientIsTheSuperAdmins() async throws {
        try await withServer { server, client in
            let ws = server.workspace
            _ = try await server.portcullis.createUser(
                username: "eac", password: "eac-password-1", permissions: [.editAuthClients, .deleteAuthClients, .viewAuthClients], in: ws)
            let eac = try await server.accessToken(client, username: "eac", password: "eac-password-1")
            let pac = try #require(try await server.portcullis.personalTokens.client(in: ws))
            let adminUser = try #require(try await server.portcullis.store.users.user(id: 1))
            let adminPAT = try await PersonalTokenTests.seedToken(server, for: adminUser)
            let edited = try await client.putJSON("/oauth/clients/\(pac.clientID)", ["types": ["client_credentials"]], token: eac)
            #expect(edited.status == .forbidden, "\(edited.text)")
            let deleted = try await client.execute(uri: "/oauth/clients/\(pac.clientID)", method: .delete, headers: bearer(eac))
            #expect(deleted.status == .forbidden)
            #expect(try await client.get("/api/1.0/users/me", token: adminPAT).status == .ok, "the admin's personal token lives")
            // The client list still shows it, without the edit and delete links.
            #expect(try await client.get("/oauth/clients/\(pac.clientID)", token: eac).status == .ok)
            let root = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            #expect(try await client.putJSON("/oauth/clients/\(pac.clientID)", ["description": "ours"], token: root).status == .ok)
        }
    }
}
