import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

@Suite("Personal access tokens")
struct PersonalTokenTests {
    static func create(_ client: any TestClientProtocol, _ path: String, token: String, _ body: [String: Any]) async throws -> TestResponse {
        try await client.postJSON(path, body, headers: bearer(token))
    }

    /// A first personal token (scope `*`, 366 days), made as the operator's CLI makes one: over HTTP only a session or
    /// a personal token may mint, so the API tests start from this one.
    static func seedToken(_ server: TestServer, for user: UserAccount? = nil, scope: ScopeSet = .everything, days: Int64 = 366) async throws -> String {
        try await server.portcullis.personalTokens.issue(
            for: user ?? server.alice, name: "seed \(UUID().uuidString.prefix(8))", scope: scope, lifetimeSeconds: days * 86400,
            in: server.workspace
        ).accessToken
    }

    @Test("Every workspace has a Personal Access Client, made at bootstrap and with each new workspace")
    func personalAccessClient() async throws {
        try await withServer { server, _ in
            let pac = try #require(try await server.portcullis.personalTokens.client(in: server.workspace))
            #expect(pac.name == "Personal Access Client" && pac.grants == [.personalAccess])
            let sales = try await server.portcullis.createWorkspace(named: "sales")
            #expect(try await server.portcullis.personalTokens.client(in: sales) != nil)
            await #expect(throws: ValidationFailure.self) { try await server.portcullis.createWorkspace(named: "users") }
        }
    }

    @Test("Create through the API, use it like any access token, list, get, revoke; seen revoked at once")
    func apiLifecycle() async throws {
        try await withServer { server, client in
            let login = try await Self.seedToken(server)
            let path = "/api/1.0/users/\(server.alice.id)/tokens"
            let created = try await Self.create(client, path, token: login, ["name": "My script", "scopes": ["view_processes"]])
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers[.cacheControl] == "no-store")
            let body = try created.json()
            let pat = try #require(body["accessToken"] as? String)
            let row = try #require(body["token"] as? [String: Any])
            #expect(row["name"] as? String == "My script" && row["scopes"] as? [String] == ["view_processes"] && row["revoked"] as? Bool == false)
            #expect(row["user_id"] as? Int == server.alice.id)
            #expect(row["client_id"] as? String == (try await server.portcullis.personalTokens.client(in: server.workspace))?.clientID)
            for key in ["id", "created_at", "updated_at", "expires_at"] { #expect(row[key] != nil, "missing \(key)") }
            let claims = try jwtPayload(pat)
            #expect(claims["pat"] as? String == String(row["id"] as! Int))
            #expect((claims["exp"] as! Int) - (claims["iat"] as! Int) == 365 * 86400)

            // Seed 002: the token is a Bearer token like any other, and its scope limits it.
            #expect(try await client.get("/api/1.0/users/me", token: pat).status == .ok)
            let write = try await client.execute(
                uri: "/api/1.0/users/\(server.alice.id)", method: .put, headers: [.authorization: "Bearer \(pat)", .contentType: "application/json"],
                body: Body.json(["firstname": "X"]))
            #expect(write.status == .forbidden)

            let list = try await client.get(path, token: login).json()
            #expect((list["data"] as? [[String: Any]])?.count == 2, "the seed token and this one")
            #expect((list["meta"] as? [String: Any])?["total"] as? Int == 2)
            let id = row["id"] as! Int
            #expect(try await client.get("\(path)/\(id)", token: login).status == .ok)
            #expect(try await client.execute(uri: "\(path)/\(id)", method: .delete, headers: bearer(login)).status == .noContent)
            #expect(try await client.get("/api/1.0/users/me", token: pat).status == .unauthorized)
            #expect((try await client.get("\(path)/\(id)", token: login).json())["revoked"] as? Bool == true)
            // The name is free again once its token is revoked.
            #expect(try await Self.create(client, path, token: login, ["name": "My script", "scopes": ["*"]]).status == .created)
        }
    }

    @Test("ProcessMaker 3's address, with the user's usr_uid")
    func pm3() async throws {
        try await withServer { server, client in
            let login = try await Self.seedToken(server)
            let path = "/api/1.0/workflow/users/\(server.alice.uid)/tokens"
            let created = try await Self.create(client, path, token: login, ["name": "pm3 script", "scopes": ["*"]])
            #expect(created.status == .created, "\(created.text)")
            #expect(
                try await client.get("/api/1.0/workflow/users", token: try created.json()["accessToken"] as? String).status == .forbidden,
                "the token is good; Alice lacks view-users")
            #expect(try await client.get(path, token: login).status == .ok)
        }
    }

    @Test("Minting: only the owner, only first-party (a session or a personal token); listing and revoking where one may edit the user")
    func permissions() async throws {
        try await withServer { server, client in
            let ws = server.workspace
            let bob = try await server.portcullis.createUser(username: "bob", password: "bob-password-1", in: ws)
            let hrUser = try await server.portcullis.createUser(username: "hr", password: "hr-password-1", permissions: [.editUsers], in: ws)
            let adminUser = try #require(try await server.portcullis.store.users.user(id: 1))
            let bobPAT = try await Self.seedToken(server, for: bob)
            let hr = try await Self.seedToken(server, for: hrUser)
            let admin = try await Self.seedToken(server, for: adminUser)
            let alicePath = "/api/1.0/users/\(server.alice.id)/tokens"
            let adminPath = "/api/1.0/users/\(adminUser.id)/tokens"
            #expect(try await client.get(alicePath, token: bobPAT).status == .forbidden)
            #expect(try await Self.create(client, alicePath, token: bobPAT, ["name": "x", "scopes": ["*"]]).status == .forbidden)
            // Finding 1 of the audit: edit-users minted a year-long `*` token for the super admin. Nobody mints for another.
            for (token, path) in [(hr, alicePath), (hr, adminPath), (admin, alicePath)] {
                let minted = try await Self.create(client, path, token: token, ["name": "for someone else", "scopes": ["*"], "expires_in": 365])
                #expect(minted.status == .forbidden, "\(path): \(minted.text)")
            }
            #expect(try await server.portcullis.store.personalTokens.tokens(userID: adminUser.id).count == 1, "only the admin's own seed")
            // edit-users lists and revokes an ordinary user's tokens, never a super admin's.
            let alices = try await Self.create(client, alicePath, token: try await Self.seedToken(server), ["name": "alice's", "scopes": ["*"]])
            #expect(alices.status == .created)
            let id = (try alices.json()["token"] as! [String: Any])["id"] as! Int
            #expect(try await client.get(alicePath, token: hr).status == .ok)
            #expect(try await client.get(adminPath, token: hr).status == .forbidden)
            #expect(try await client.get("\(adminPath)/1", token: hr).status == .forbidden)
            let adminsOwn = try #require(try await server.portcullis.store.personalTokens.tokens(userID: adminUser.id).first)
            #expect(try await client.execute(uri: "\(adminPath)/\(adminsOwn.id)", method: .delete, headers: bearer(hr)).status == .forbidden)
            #expect(try await client.get("/api/1.0/users/me", token: admin).status == .ok, "the admin's token survives")
            #expect(try await client.execute(uri: "\(alicePath)/\(id)", method: .delete, headers: bearer(bobPAT)).status == .forbidden)
            #expect(try await client.execute(uri: "\(alicePath)/\(id)", method: .delete, headers: bearer(hr)).status == .noContent)
            #expect(try await client.get(adminPath, token: admin).status == .ok, "a super admin manages their own")
            #expect(try await client.get("/api/1.0/users/999999/tokens", token: bobPAT).status == .forbidden)
            #expect(try await client.get("/api/1.0/users/999999/tokens", token: admin).status == .notFound)
            let machine = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret)
            )
            .string("access_token")!
            #expect(try await client.get(alicePath, token: machine).status == .forbidden)
            #expect(try await Self.create(client, alicePath, token: machine, ["name": "m", "scopes": ["*"]]).status == .forbidden)
        }
    }

    @Test("Finding 2: an application's token, even with consent or a password, cannot mint a personal token")
    func applicationsCannotMint() async throws {
        try await withServer { server, client in
            let path = "/api/1.0/users/\(server.alice.id)/tokens"
            let password = try await server.accessToken(client)
            let clients = try await WebClients.register(server)
            let code = try await AuthorizationFlowTests.code(server, client, clients.web, extra: [("scope", "edit_processes")])
            let delegated = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code)],
                headers: basic(clients.web.client.clientID, clients.web.secret!)
            ).string("access_token")!
            for token in [password, delegated] {
                let minted = try await Self.create(client, path, token: token, ["name": "escape", "scopes": ["*"], "expires_in": 366])
                #expect(minted.status == .forbidden, "\(minted.text)")
            }
            #expect(try await server.portcullis.store.personalTokens.tokens(userID: server.alice.id).isEmpty)
            // The pages' own call (session cookie plus the CSRF header) is first-party.
            let browser = Browser(client)
            _ = try await signIn(browser)
            let page = try await browser.get("/profile/tokens")
            let csrf = try #require(
                page.text.range(of: #"name="csrf-token" content="[^"]+""#, options: .regularExpression).map {
                    String(page.text[$0].dropFirst(#"name="csrf-token" content=""#.count).dropLast())
                })
            let viaSession = try await browser.request(
                .post, path, headers: [.contentType: "application/json", .csrfToken: csrf, .accept: "application/json"],
                body: #"{"name": "from the page", "scopes": ["view_processes"]}"#)
            #expect(viaSession.status == .created, "\(viaSession.text)")
        }
    }

    @Test("Revoking a personal token revokes every token minted from it, however many generations down, and nothing above it")
    func revokingAParentRevokesItsDescendants() async throws {
        try await withServer { server, client in
            let path = "/api/1.0/users/\(server.alice.id)/tokens"
            let root = try await Self.seedToken(server)
            func mint(_ parent: String, _ name: String) async throws -> (token: String, id: Int) {
                let made = try await Self.create(client, path, token: parent, ["name": name, "scopes": ["*"]])
                #expect(made.status == .created, "\(made.text)")
                let body = try made.json()
                return (body["accessToken"] as! String, (body["token"] as! [String: Any])["id"] as! Int)
            }
            let child = try await mint(root, "child")
            let grandchild = try await mint(child.token, "grandchild")
            let sibling = try await mint(root, "sibling")
            // The child is revoked (as if it had leaked): its own descendant dies with it; its parent and sibling live.
            #expect(try await client.execute(uri: "\(path)/\(child.id)", method: .delete, headers: bearer(root)).status == .noContent)
            #expect(try await client.get("/api/1.0/users/me", token: child.token).status == .unauthorized)
            #expect(try await client.get("/api/1.0/users/me", token: grandchild.token).status == .unauthorized, "minted from the revoked one")
            #expect(try await client.get("/api/1.0/users/me", token: root).status == .ok)
            #expect(try await client.get("/api/1.0/users/me", token: sibling.token).status == .ok)
            // The chain is bounded.
            var parent = root
            for generation in 1...PersonalAccessTokens.maximumAncestry { parent = try await mint(parent, "generation \(generation)").token }
            let tooDeep = try await Self.create(client, path, token: parent, ["name": "too deep", "scopes": ["*"]])
            #expect(tooDeep.status == .unprocessableContent, "\(tooDeep.text)")
        }
    }

    @Test("A personal token never mints one with more scope or a longer life than itself")
    func noEscalationThroughTokens() async throws {
        try await withServer { server, client in
            let path = "/api/1.0/users/\(server.alice.id)/tokens"
            let narrow = try await Self.seedToken(server, scope: ScopeSet([.viewProcesses]), days: 30)
            let wider = try await Self.create(client, path, token: narrow, ["name": "wider", "scopes": ["*"], "expires_in": 10])
            // view_processes cannot write at all: refused for scope before any rule runs.
            #expect(wider.status == .forbidden)
            let writer = try await Self.seedToken(server, scope: ScopeSet([.editProcesses]), days: 30)
            let more = try await Self.create(client, path, token: writer, ["name": "more", "scopes": ["*"], "expires_in": 10])
            let moreErrors = try more.json()["errors"] as? [String: [String]]
            #expect(more.status == .unprocessableContent && moreErrors?["scopes"] != nil, "\(more.text)")
            let longer = try await Self.create(client, path, token: writer, ["name": "longer", "scopes": ["edit_processes"], "expires_in": 31])
            let longerErrors = try longer.json()["errors"] as? [String: [String]]
            #expect(longer.status == .unprocessableContent && longerErrors?["expires_at"] != nil, "\(longer.text)")
            let fine = try await Self.create(client, path, token: writer, ["name": "fine", "scopes": ["view_processes"], "expires_in": 29])
            #expect(fine.status == .created, "\(fine.text)")
            // No lifetime named: the default year is cut to the minting token's own remaining life, not refused.
            let defaulted = try await Self.create(client, path, token: writer, ["name": "defaulted", "scopes": ["view_processes"]])
            #expect(defaulted.status == .created, "\(defaulted.text)")
            let child = try jwtPayload(try defaulted.json()["accessToken"] as! String)
            #expect((child["exp"] as! Int) <= (try jwtPayload(writer)["exp"] as! Int))
        }
    }

    @Test("Validation: name required and unique among live tokens, a scope, a lifetime within the workspace's maximum")
    func validation() async throws {
        try await withServer { server, client in
            let login = try await Self.seedToken(server)
            let path = "/api/1.0/users/\(server.alice.id)/tokens"
            _ = try await Self.create(client, path, token: login, ["name": "Taken", "scopes": ["*"]])
            try await server.portcullis.store.workspaceSettings.setMaximumPersonalTokenDays(30, workspaceID: server.workspace.id)
            let cases: [([String: Any], String)] = [
                (["scopes": ["*"]], "name"), (["name": "taken", "scopes": ["*"]], "name"), (["name": "a", "scopes": []], "scopes"),
                (["name": "a", "scopes": ["admin"]], "scopes"), (["name": "a", "expires_in": 90], "expires_at"),
                (["name": "a", "expires_at": "1999-01-01"], "expires_at"), (["name": "a", "expires_in": "nonsense"], "expires_at"),
                // Audit finding 6: NUL and invisible characters in a name are refused, never stored cut short.
                (["name": "Taken\u{0}", "scopes": ["*"]], "name"), (["name": "x\u{202E}y", "scopes": ["*"]], "name"),
                (["name": String(repeating: "n", count: 256), "scopes": ["*"]], "name"),
            ]
            for (body, field) in cases {
                let response = try await Self.create(client, path, token: login, body)
                #expect(response.status == .unprocessableContent, "\(body): \(response.text)")
                #expect((try response.json()["errors"] as? [String: [String]])?[field] != nil, "\(body): \(response.text)")
            }
            let capped = try await Self.create(client, path, token: login, ["name": "capped"])
            let claims = try jwtPayload(try capped.json()["accessToken"] as! String)
            #expect((claims["exp"] as! Int) - (claims["iat"] as! Int) == 30 * 86400, "the default respects the workspace's maximum")
        }
    }

    @Test("Expiry, another workspace, a password change: each ends the token")
    func endings() async throws {
        try await withServer { server, client in
            let login = try await Self.seedToken(server)
            let path = "/api/1.0/users/\(server.alice.id)/tokens"
            let short = try await Self.create(client, path, token: login, ["name": "short", "expires_in": "1d"]).json()["accessToken"] as! String
            let long = try await Self.create(client, path, token: login, ["name": "long"]).json()["accessToken"] as! String
            _ = try await server.portcullis.createWorkspace(named: "sales")
            #expect(try await client.get("/api/1.0/sales/users", token: long).status == .unauthorized, "a token of one workspace is refused in another")
            server.time.advance(86400 + 1)
            #expect(try await client.get("/api/1.0/users/me", token: short).status == .unauthorized)
            #expect(try await client.get("/api/1.0/users/me", token: long).status == .ok)
            try await server.portcullis.userAdministration.revokeEverything(of: server.alice.id)
            #expect(try await client.get("/api/1.0/users/me", token: long).status == .unauthorized)
            let rows = try await server.portcullis.store.personalTokens.tokens(userID: server.alice.id)
            #expect(rows.allSatisfy { $0.revokedAt != nil })
        }
    }

    @Test("Last used is kept in memory and written in a batch, never per request")
    func lastUsed() async throws {
        try await withServer { server, client in
            let login = try await Self.seedToken(server)
            let created = try await Self.create(client, "/api/1.0/users/\(server.alice.id)/tokens", token: login, ["name": "used"]).json()
            let pat = created["accessToken"] as! String
            let id = (created["token"] as! [String: Any])["id"] as! Int
            for _ in 0..<5 { _ = try await client.get("/api/1.0/users/me", token: pat) }
            #expect(try await server.portcullis.store.personalTokens.token(id: id)?.lastUsedAt == nil, "no write per request")
            #expect(server.portcullis.tokenUsage.pendingUse(of: id) != nil)
            let listed = try await client.get("/api/1.0/users/\(server.alice.id)/tokens/\(id)", token: login).json()
            #expect(listed["last_used_at"] as? String != nil, "the listing shows the fresh value")
            try await server.portcullis.store.personalTokens.recordUse(server.portcullis.tokenUsage.drain())
            #expect(try await server.portcullis.store.personalTokens.token(id: id)?.lastUsedAt != nil)
        }
    }

    @Test("A revoke made by another process is seen through the revocation mirror", .timeLimit(.minutes(5)))
    func revokedElsewhere() async throws {
        try await withServer { server, client in
            let login = try await Self.seedToken(server)
            let created = try await Self.create(client, "/api/1.0/users/\(server.alice.id)/tokens", token: login, ["name": "cli"]).json()
            let pat = created["accessToken"] as! String
            let other = try await Portcullis.open(server.portcullis.configuration, logger: TestServer.quietLogger)
            let record = try #require(try await other.store.personalTokens.token(id: (created["token"] as! [String: Any])["id"] as! Int))
            try await other.personalTokens.revoke(record)
            await other.close()
            // Not this process's own revoke: only the mirror can tell it. Seen after one mirror step (what the mirror
            // loop does every 0.25 s, done here so that a loaded machine's scheduling cannot fail the test); the
            // wall clock is only a loose guard.
            let start = ContinuousClock.now
            let now = server.portcullis.clock.now()
            server.portcullis.revocationList.apply(try await server.portcullis.store.revocations.revocations(recordedSince: now - 10, now: now))
            let status = try await client.get("/api/1.0/users/me", token: pat).status
            #expect(status == .unauthorized && ContinuousClock.now - start < .seconds(10), "\(status)")
        }
    }

    @Test("The API Tokens page: create (shown once), list, revoke after a confirmation")
    func pages() async throws {
        try await withServer { server, client in
            let browser = Browser(client)
            _ = try await signIn(browser)
            let home = try await browser.get("/")
            #expect(home.text.contains("href=\"/profile/tokens\""))
            let page = try await browser.get("/profile/tokens")
            #expect(page.text.contains("You have no tokens yet."))
            // The forms need the session's CSRF token: a forged one, or none, creates nothing.
            let forged = HTML.hiddenFields(page.text).map { ($0.0, "forged") }
            #expect(!forged.isEmpty)
            for fields in [forged, []] {
                let attempt = try await browser.post("/profile/tokens", fields + [("name", "Forged"), ("scope_*", "on"), ("lifetime", "30")])
                #expect(attempt.status == .forbidden)
            }
            #expect(try await server.portcullis.store.personalTokens.tokens(userID: server.alice.id).isEmpty)
            let bad = try await browser.post("/profile/tokens", HTML.hiddenFields(page.text) + [("name", ""), ("lifetime", "30")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("The name field is required.") && bad.text.contains("Select at least one scope."))
            let created = try await browser.post(
                "/profile/tokens", HTML.hiddenFields(page.text) + [("name", "Deploy script"), ("scope_*", "on"), ("lifetime", "90")])
            #expect(created.status == .seeOther && created.headers[.location] == "/profile/tokens/new")
            let shown = try await browser.get("/profile/tokens/new")
            #expect(shown.text.contains("It will not be shown again."))
            #expect(shown.headers[.cacheControl]?.contains("no-store") == true, "a page showing a secret is never cached")
            let token = try #require(shown.text.range(of: #"eyJ[A-Za-z0-9_.-]+"#, options: .regularExpression).map { String(shown.text[$0]) })
            #expect(try await browser.get("/profile/tokens/new").status == .seeOther, "shown once")
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .ok)
            let list = try await browser.get("/profile/tokens")
            #expect(list.text.contains("Deploy script") && !list.text.contains(token))
            let record = try #require(try await server.portcullis.store.personalTokens.tokens(userID: server.alice.id).first)
            #expect(record.expiresAt - record.createdAt == 90 * 86400)
            let confirm = try await browser.get("/profile/tokens/\(record.id)/revoke")
            #expect(confirm.text.contains("Revoke <strong>Deploy script</strong>?"))
            let forgedRevoke = try await browser.post("/profile/tokens/\(record.id)/revoke", HTML.hiddenFields(confirm.text).map { ($0.0, "forged") })
            #expect(forgedRevoke.status == .forbidden)
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .ok, "a forged revoke changes nothing")
            let revoked = try await browser.post("/profile/tokens/\(record.id)/revoke", HTML.hiddenFields(confirm.text))
            #expect(revoked.status == .seeOther)
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .unauthorized)
            #expect(try await browser.get("/profile/tokens").text.contains("revoked"))
            // Another user's token is not revocable here.
            let other = try await server.portcullis.personalTokens.issue(
                for: try await server.portcullis.store.users.user(id: 1)!, name: "admin's", scope: .everything, lifetimeSeconds: 86400, in: server.workspace)
            #expect(try await browser.get("/profile/tokens/\(other.record.id)/revoke").status == .notFound)
        }
    }
}
