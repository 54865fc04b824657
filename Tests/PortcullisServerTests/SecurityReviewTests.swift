import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

/// The findings of the security review, each pinned by a test that fails if the fix is undone.
@Suite("Security review findings")
struct SecurityReviewTests {
    @Test("A PM_REST_API_APPLICATIONS owner cannot let a client skip consent (that would take tokens for any signed-in user)")
    func ownerCannotSkipConsent() async throws {
        try await withServer { server, client in
            _ = try await server.portcullis.createUser(
                username: "mallory", password: "mallory-password", permissions: [.restAPIApplications], in: server.workspace)
            let token = try await server.accessToken(client, username: "mallory", password: "mallory-password")
            let evil: [String: Any] = ["name": "evil", "redirect": "https://attacker.example/cb", "types": ["authorization_code_grant"], "skip_consent": true]
            let refused = try await client.postJSON("/oauth/clients", evil, headers: bearer(token))
            #expect(refused.status == .unprocessableContent)
            #expect((try refused.json()["errors"] as? [String: [String]])?["skip_consent"] != nil)
            // An administrator grants it to the owner's client; the owner's next edit does not keep it.
            var plain = evil
            plain["skip_consent"] = nil
            let created = try await client.postJSON("/oauth/clients", plain, headers: bearer(token)).json()
            let id = created["id"] as! String
            let clientRow = try #require(try await server.portcullis.store.clients.client(clientID: id, workspaceID: server.workspace.id))
            let granted = try await server.portcullis.clientAdministration.update(
                clientRow,
                with: ClientRegistration(name: "evil", redirectURIs: ["https://attacker.example/cb"], grants: [.authorizationCode], skipsConsent: true),
                by: nil)
            #expect(granted.client.skipsConsent)
            let edited = try await client.execute(
                uri: "/oauth/clients/\(id)", method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: Body.json(["description": "mine"]))
            #expect(edited.status == .ok)
            #expect(try edited.json()["skip_consent"] as? Bool == false)
            // And a signed-in victim therefore sees the consent screen.
            let victim = Browser(client)
            _ = try await signIn(victim)
            let page = try await victim.get(authorizeURL(id))
            #expect(page.status == .ok && page.text.contains("wants to use your account"))
        }
    }

    @Test("edit-users and delete-users without super admin cannot touch a super admin")
    func superAdminsOutOfReach() async throws {
        try await withServer { server, client in
            _ = try await server.portcullis.createUser(
                username: "editor", password: "editor-password", permissions: [.viewUsers, .editUsers, .deleteUsers], in: server.workspace)
            let token = try await server.accessToken(client, username: "editor", password: "editor-password")
            let reset = try await client.execute(
                uri: "/api/1.0/users/1", method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: Body.json(["password": "pwnedpass1"]))
            #expect(reset.status == .forbidden)
            #expect(try await client.execute(uri: "/api/1.0/users/1", method: .delete, headers: bearer(token)).status == .forbidden)
            _ = try await server.login(client, username: "admin", password: TestServer.adminPassword)
            // Ordinary users remain theirs to manage.
            let other = try await client.execute(
                uri: "/api/1.0/users/\(server.alice.id)", method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: Body.json(["firstname": "Al"]))
            #expect(other.status == .ok)
        }
    }

    @Test("Changing one's own password or username needs the current password: a token alone cannot take the account")
    func currentPasswordRequired() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, scope: "edit_processes")
            func put(_ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/1.0/users/\(server.alice.id)", method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                    body: Body.json(body))
            }
            let bare = try await put(["password": "takenover1", "username": "victim2"])
            #expect(bare.status == .unprocessableContent)
            #expect(
                (try bare.json()["errors"] as? [String: [String]])?["current_password"] == [
                    "The current password is required to change your password or username."
                ])
            let wrong = try await put(["password": "takenover1", "current_password": "guess"])
            #expect((try wrong.json()["errors"] as? [String: [String]])?["current_password"] == ["The current password is incorrect."])
            #expect(try await put(["firstname": "Alicia"]).status == .ok, "other fields need no password")
            let right = try await put(["password": "a-new-password-9", "current_password": TestServer.alicePassword])
            #expect(right.status == .ok)
        }
    }

    @Test(
        "Huge numbers are refused, never trapped on",
        arguments: [
            "/api/1.0/users?page=9223372036854775807", "/api/1.0/users?per_page=9223372036854775807&page=2",
            "/api/1.0/workflow/users?start=9223372036854775807",
        ])
    func noOverflow(_ path: String) async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let response = try await client.get(path, token: token)
            #expect(response.status == .unprocessableContent || response.status == .badRequest)
            let tokens = try await client.postJSON(
                "/api/1.0/users/\(server.alice.id)/tokens", ["name": "x", "expires_in": 9_223_372_036_854_775_807],
                headers: bearer(try await PersonalTokenTests.seedToken(server)))
            #expect(tokens.status == .unprocessableContent)
            #expect(try await client.get("/health", token: nil).status == .ok, "still serving")
        }
    }

    @Test("A client that turns public, or loses a grant, keeps none of the tokens it was given before")
    func clientChangesRevoke() async throws {
        try await withServer { server, client in
            let login = try await server.login(client)
            let updated = try await server.portcullis.clientAdministration.update(
                server.client.client, with: ClientRegistration(name: "Seed Client", grants: [.password], isConfidential: false), by: nil)
            #expect(!updated.client.isConfidential)
            let refresh = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("client_id", server.clientID), ("refresh_token", login["refresh_token"] as! String)])
            #expect(try refresh.string("error") == "invalid_grant")
            #expect(try await client.get("/api/1.0/users/me", token: login["access_token"] as? String).status == .unauthorized)
        }
    }

    @Test("Under https the cookies carry the __Host- prefix, so a sibling subdomain cannot plant them")
    func hostPrefix() async throws {
        try await withServer({ $0.issuer = "https://auth.example.com" }) { _, client in
            let page = try await client.execute(uri: "/login", method: .get)
            #expect(page.headers[values: .setCookie].contains { $0.hasPrefix("__Host-portcullis_login=") && $0.contains("Secure") && $0.contains("Path=/") })
            let browser = Browser(client)
            let form = try await browser.get("/login")
            let signedIn = try await browser.post("/login", HTML.hiddenFields(form.text) + [("username", "alice"), ("password", TestServer.alicePassword)])
            #expect(signedIn.headers[values: .setCookie].contains { $0.hasPrefix("__Host-portcullis_session=") && !$0.contains("Domain") })
        }
    }

    @Test("However active, a session ends twelve hours after sign-in")
    func absoluteSessionLifetime() async throws {
        try await withServer { server, client in
            let browser = Browser(client)
            _ = try await signIn(browser)
            for _ in 0..<13 {
                server.time.advance(20 * 60)
                _ = try await browser.get("/")
            }
            #expect(try await browser.get("/").text.contains("signed in as"))
            for _ in 0..<25 {
                server.time.advance(20 * 60)
                _ = try await browser.get("/")
            }
            #expect(!(try await browser.get("/").text.contains("signed in as")))
        }
    }

    @Test("An unknown username is audited without what was typed (it may be a password in the wrong field)")
    func auditOmitsUnknownNames() async throws {
        try await withServer { server, client in
            _ = try await signIn(Browser(client), username: "Secr3t-Passw0rd!", password: "whatever")
            let events = try await server.portcullis.store.audit.recent(workspaceID: server.workspace.id, limit: 5)
            #expect(events.first?.subject == "(unknown user)")
        }
    }

    @Test("A deleted user's id is never given to the next user: the old session and tokens stay dead, the new user's work")
    func deletedUserIDIsNotReused() async throws {
        try await withServer { server, client in
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let browser = Browser(client)
            #expect(try await signIn(browser).status == .seeOther)
            #expect(try await browser.get("/profile/tokens").status == .ok)
            let aliceToken = try await server.accessToken(client)
            // Alice is the newest user: on SQLite, without AUTOINCREMENT, her row id would be the next one given.
            #expect(try await client.execute(uri: "/api/1.0/users/\(server.alice.id)", method: .delete, headers: bearer(admin)).status == .noContent)
            let bob = try await server.portcullis.createUser(username: "bob", password: "bob-password-1", isSuperAdmin: true, in: server.workspace)
            #expect(bob.id > server.alice.id)
            let page = try await browser.get("/profile/tokens")
            #expect(page.status == .seeOther, "Alice's browser must be signed out, not signed in as Bob")
            #expect(try await client.get("/api/1.0/users/me", token: aliceToken).status == .unauthorized)
            let bobToken = try await server.accessToken(client, username: "bob", password: "bob-password-1")
            #expect(try await client.get("/api/1.0/users/me", token: bobToken).status == .ok, "Alice's revocation must not name Bob")
        }
    }
}
