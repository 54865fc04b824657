import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

@Suite("Protected API: bearer authentication")
struct BearerAuthenticationTests {
    enum Route: String, CaseIterable, Sendable {
        case pm4 = "/api/1.0/users/me"
        case pm3 = "/api/1.0/workflow/users"
    }

    static func expect401(_ response: TestResponse, route: Route, error: String?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == .unauthorized, "\(response.text)", sourceLocation: sourceLocation)
        let header = response.headers[.wwwAuthenticate] ?? ""
        #expect(header.hasPrefix("Bearer realm=\"portcullis\""), sourceLocation: sourceLocation)
        if let error {
            #expect(header.contains("error=\"invalid_token\""), sourceLocation: sourceLocation)
            #expect(header.contains("error_description=\"\(error)\""), "\(header)", sourceLocation: sourceLocation)
        } else {
            #expect(!header.contains("error="), sourceLocation: sourceLocation)
        }
        let body = try response.json()
        switch route {
        case .pm4: #expect(body["error"] as? String == "Unauthenticated.", sourceLocation: sourceLocation)
        case .pm3:
            let detail = body["error"] as? [String: Any]
            #expect(detail?["code"] as? Int == 401, sourceLocation: sourceLocation)
            #expect(detail?["message"] as? String == "Unauthorized", sourceLocation: sourceLocation)
        }
    }

    @Test("No token: 401 with a bare Bearer challenge", arguments: Route.allCases)
    func noToken(_ route: Route) async throws {
        try await withServer { server, client in
            try Self.expect401(try await client.get(route.rawValue, token: nil), route: route, error: nil)
            // Basic credentials are not a bearer token.
            let basicTry = try await client.execute(uri: route.rawValue, method: .get, headers: basic(server.clientID, server.clientSecret))
            try Self.expect401(basicTry, route: route, error: nil)
        }
    }

    @Test("A bad token: 401 invalid_token, \"The access token provided is invalid\"", arguments: Route.allCases)
    func badToken(_ route: Route) async throws {
        try await withServer { server, client in
            let good = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            for token in ["garbage", good + "x", String(good.dropLast(4)) + "AAAA", "a.b.c"] {
                try Self.expect401(try await client.get(route.rawValue, token: token), route: route, error: "The access token provided is invalid")
            }
        }
    }

    @Test("An expired token: 401 invalid_token, \"The access token provided has expired\"", arguments: Route.allCases)
    func expiredToken(_ route: Route) async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            #expect(try await client.get(route.rawValue, token: token).status == .ok)
            server.time.advance(3601)
            try Self.expect401(try await client.get(route.rawValue, token: token), route: route, error: "The access token provided has expired")
        }
    }

    @Test("A revoked token and a token of another workspace are invalid", arguments: Route.allCases)
    func revokedAndForeign(_ route: Route) async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let revoked = try await client.postForm(
                "/oauth/revoke", [("token", token)], headers: basic(server.clientID, server.clientSecret))
            #expect(revoked.status == .ok)
            try Self.expect401(try await client.get(route.rawValue, token: token), route: route, error: "The access token provided is invalid")

            let sales = try await server.portcullis.createWorkspace(named: "sales")
            _ = try await server.portcullis.createUser(username: "admin", password: "sales-admin-pw", isSuperAdmin: true, in: sales)
            let salesClient = try await server.portcullis.registerClient(ClientRegistration(name: "S", grants: [.password]), in: sales)
            let salesToken = try await client.postForm(
                "/sales/oauth2/token", [("grant_type", "password"), ("username", "admin"), ("password", "sales-admin-pw")],
                headers: basic(salesClient.client.clientID, salesClient.secret!)
            ).string("access_token")!
            try Self.expect401(try await client.get(route.rawValue, token: salesToken), route: route, error: "The access token provided is invalid")
            #expect(try await client.get("/api/1.0/sales/users", token: salesToken).status == .ok)
        }
    }

    @Test("A token in the query string is refused, never used (RFC 9700)")
    func tokenInQuery() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let response = try await client.get("/api/1.0/users/me?access_token=\(token)", token: nil)
            #expect(response.status == .badRequest)
            #expect(response.headers[.wwwAuthenticate]?.contains("error=\"invalid_request\"") == true)
            let both = try await client.get("/api/1.0/users/me?access_token=\(token)", token: token)
            #expect(both.status == .badRequest)
        }
    }

    @Test("The bearer scheme is case-insensitive (RFC 7235 §2.1)")
    func schemeCase() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            let response = try await client.execute(uri: "/api/1.0/users/me", method: .get, headers: [.authorization: "bearer \(token)"])
            #expect(response.status == .ok)
        }
    }

    @Test("Client-credentials tokens have no user: user-bound routes answer 403 with a clear message")
    func clientTokens() async throws {
        try await withServer { server, client in
            let token = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret)
            ).string("access_token")!
            let response = try await client.get("/api/1.0/users/me", token: token)
            #expect(response.status == .forbidden)
            #expect(try response.string("message") == "This route acts for a user; a client-credentials token has no user")
        }
    }

    @Test("A deactivated user's tokens stop working at once")
    func deactivatedUser() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            _ = try await server.portcullis.store.userAdministration.updateUser(id: server.alice.id, changes: UserChanges(isActive: false), now: 1)
            try Self.expect401(try await client.get("/api/1.0/users/me", token: token), route: .pm4, error: "The access token provided is invalid")
        }
    }
}

@Suite("Protected API: scopes and permissions")
struct ScopePermissionTests {
    static func put(_ client: any TestClientProtocol, _ path: String, token: String, _ body: [String: Any]) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: Body.json(body))
    }

    @Test(
        "Scope matrix: * and edit_processes read and write; view_processes only reads",
        arguments: [
            ("*", true), ("edit_processes", true), ("view_processes", false), ("view_process", false),
        ])
    func scopeMatrix(_ scope: String, _ mayWrite: Bool) async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, scope: scope)
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .ok)
            let write = try await Self.put(client, "/api/1.0/users/\(server.alice.id)", token: token, ["firstname": "Alicia"])
            if mayWrite {
                #expect(write.status == .ok, "\(write.text)")
                #expect(try write.string("firstname") == "Alicia")
            } else {
                #expect(write.status == .forbidden)
                #expect(try write.string("error") == "insufficient_scope")
                #expect(try write.string("scope") == "edit_processes")
                let header = write.headers[.wwwAuthenticate] ?? ""
                #expect(header.contains("error=\"insufficient_scope\"") && header.contains("scope=\"edit_processes\""))
            }
        }
    }

    @Test("Permission matrix: each users route needs its permission; a super admin has all")
    func permissionMatrix() async throws {
        try await withServer { server, client in
            let plain = try await server.accessToken(client)
            let ws = server.workspace
            _ = try await server.portcullis.createUser(
                username: "viewer", password: "viewer-pass-1", permissions: [.viewUsers], in: ws)
            _ = try await server.portcullis.createUser(
                username: "manager", password: "manager-pass-1", permissions: [.viewUsers, .createUsers, .editUsers, .deleteUsers], in: ws)
            let viewer = try await server.accessToken(client, username: "viewer", password: "viewer-pass-1")
            let manager = try await server.accessToken(client, username: "manager", password: "manager-pass-1")
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let newUser: [String: Any] = [
                "username": "newbie", "email": "n@example.com", "firstname": "N", "lastname": "B", "password": "newbie-pass-1",
            ]

            #expect(try await client.get("/api/1.0/users", token: plain).status == .forbidden)
            #expect(try await client.get("/api/1.0/users/\(server.alice.id)", token: plain).status == .ok, "one's own record")
            #expect(try await client.get("/api/1.0/users/1", token: plain).status == .forbidden)
            #expect(try await client.get("/api/1.0/users", token: viewer).status == .ok)
            #expect(try await client.get("/api/1.0/workflow/users", token: viewer).status == .ok)
            #expect(try await client.get("/api/1.0/workflow/users", token: plain).status == .forbidden)
            #expect(try await client.postJSON("/api/1.0/users", newUser, headers: bearer(viewer)).status == .forbidden)
            #expect(try await client.postJSON("/api/1.0/users", newUser, headers: bearer(manager)).status == .created)
            #expect(try await Self.put(client, "/api/1.0/users/1", token: viewer, ["firstname": "X"]).status == .forbidden)
            #expect(try await Self.put(client, "/api/1.0/users/\(server.alice.id)", token: manager, ["firstname": "X"]).status == .ok)
            #expect(try await client.execute(uri: "/api/1.0/users/\(server.alice.id)", method: .delete, headers: bearer(viewer)).status == .forbidden)
            // Only a super admin makes super admins.
            let promote = try await Self.put(client, "/api/1.0/users/\(server.alice.id)", token: manager, ["is_administrator": true])
            #expect(promote.status == .unprocessableContent)
            #expect(try await Self.put(client, "/api/1.0/users/\(server.alice.id)", token: admin, ["is_administrator": true]).status == .ok)
            // Now a super admin: out of the manager's reach, within the admin's.
            #expect(try await client.execute(uri: "/api/1.0/users/\(server.alice.id)", method: .delete, headers: bearer(manager)).status == .forbidden)
            #expect(try await client.execute(uri: "/api/1.0/users/\(server.alice.id)", method: .delete, headers: bearer(admin)).status == .noContent)
        }
    }
}

@Suite("Protected API: users")
struct UsersAPITests {
    @Test("Seed 001: GET /api/1.0/users with the admin's token lists users, ProcessMaker 4's shape, no passwords")
    func seedList() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let response = try await client.get("/api/1.0/users", token: token)
            #expect(response.status == .ok)
            let body = try response.json()
            let data = try #require(body["data"] as? [[String: Any]])
            #expect(data.map { $0["username"] as? String } == ["admin", "Alice"])
            let meta = try #require(body["meta"] as? [String: Any])
            #expect(meta["total"] as? Int == 2 && meta["per_page"] as? Int == 10 && meta["current_page"] as? Int == 1)
            #expect(meta["sort_by"] as? String == "username")
            #expect(!response.text.contains("password") && !response.text.contains("$2b$"))
        }
    }

    @Test("Pagination, filter and order")
    func pagination() async throws {
        try await withServer { server, client in
            let ws = server.workspace
            for index in 1...23 {
                _ = try await server.portcullis.store.users.createUser(
                    NewUser(
                        workspaceID: ws.id, username: String(format: "user%02d", index), email: "u\(index)@\(index % 2 == 0 ? "even" : "odd").example",
                        firstName: "First\(index)", lastName: "Last", passwordHash: "x"), now: Int64(index))
            }
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            func list(_ query: String) async throws -> [String: Any] {
                let response = try await client.get("/api/1.0/users?\(query)", token: token)
                #expect(response.status == .ok, "\(query): \(response.text)")
                return try response.json()
            }
            func names(_ body: [String: Any]) -> [String] { (body["data"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String } }

            let first = try await list("")
            #expect(names(first).count == 10)
            #expect(names(first).first == "admin")
            let meta = first["meta"] as! [String: Any]
            #expect(meta["total"] as? Int == 25 && meta["last_page"] as? Int == 3 && meta["from"] as? Int == 1 && meta["to"] as? Int == 10)
            let third = try await list("page=3")
            #expect(names(third).count == 5)
            #expect((third["meta"] as! [String: Any])["to"] as? Int == 25)
            #expect(names(try await list("per_page=5&page=2")) == ["user04", "user05", "user06", "user07", "user08"])
            #expect(names(try await list("filter=even&per_page=100")).count == 11)
            #expect(names(try await list("filter=USER2&per_page=100")) == ["user20", "user21", "user22", "user23"])
            #expect(names(try await list("filter=%25")).isEmpty, "% in a filter is literal")
            #expect(names(try await list("order_by=username&order_direction=desc&per_page=2")) == ["user23", "user22"])
            #expect(names(try await list("order_by=id&per_page=1")) == ["admin"])

            for bad in ["order_by=password", "order_direction=sideways", "per_page=0", "per_page=101", "page=0", "page=x"] {
                let response = try await client.get("/api/1.0/users?\(bad)", token: token)
                #expect(response.status == .unprocessableContent, "\(bad)")
                #expect(try response.json()["errors"] is [String: [String]])
            }
        }
    }

    @Test("ProcessMaker 3's users list and user by usr_uid")
    func pm3Users() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let response = try await client.get("/api/1.0/workflow/users", token: token)
            #expect(response.status == .ok)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
            #expect(list.count == 2)
            let alice = try #require(list.first { $0["usr_username"] as? String == "Alice" })
            #expect(alice["usr_firstname"] as? String == "Alice" && alice["usr_lastname"] as? String == "Liddell")
            #expect(alice["usr_email"] as? String == "alice@example.com" && alice["usr_status"] as? String == "ACTIVE")
            #expect((alice["usr_uid"] as? String)?.count == 32)
            let one = try await client.get("/api/1.0/workflow/user/\(alice["usr_uid"] as! String)", token: token)
            #expect(try one.string("usr_username") == "Alice")
            let missing = try await client.get("/api/1.0/workflow/user/00000000000000000000000000000000", token: token)
            #expect(missing.status == .notFound)
            #expect((try missing.json()["error"] as? [String: Any])?["code"] as? Int == 404)
            let filtered = try await client.get("/api/1.0/workflow/users?filter=ali&start=0&limit=5", token: token)
            #expect((try JSONSerialization.jsonObject(with: Data(filtered.body.readableBytesView)) as? [Any])?.count == 1)
            #expect(try await client.get("/api/1.0/nosuch/users", token: token).status == .serviceUnavailable)
        }
    }

    @Test("Creating users: 201, validation 422 with field messages, duplicates refused, no password returned")
    func create() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let bad = try await client.postJSON("/api/1.0/users", ["username": "has space", "email": "nope", "password": "short"], headers: bearer(token))
            #expect(bad.status == .unprocessableContent)
            let errors = try #require(try bad.json()["errors"] as? [String: [String]])
            #expect(Set(errors.keys) == ["username", "email", "password", "firstname", "lastname"])
            #expect(errors["email"] == ["The email must be a valid email address."])
            #expect(try bad.string("message") == "The given data was invalid.")
            let good: [String: Any] = ["username": "carol", "email": "carol@example.com", "firstname": "Carol", "lastname": "C", "password": "carol-pass-1"]
            let created = try await client.postJSON("/api/1.0/users", good, headers: bearer(token))
            #expect(created.status == .created)
            #expect(try created.string("username") == "carol" && !created.text.contains("carol-pass-1"))
            let duplicate = try await client.postJSON("/api/1.0/users", good.merging(["username": "CAROL"]) { $1 }, headers: bearer(token))
            #expect(duplicate.status == .unprocessableContent)
            #expect((try duplicate.json()["errors"] as? [String: [String]])?["username"] == ["The username has already been taken."])
            // The new user can sign in.
            #expect(try await server.login(client, username: "carol", password: "carol-pass-1")["access_token"] != nil)
            // Created INACTIVE: shown so, and unable to sign in.
            let dave: [String: Any] = [
                "username": "dave", "email": "dave@example.com", "firstname": "Dave", "lastname": "D", "password": "dave-pass-1", "status": "INACTIVE",
            ]
            let inactive = try await client.postJSON("/api/1.0/users", dave, headers: bearer(token))
            #expect(inactive.status == .created, "\(inactive.text)")
            #expect(try inactive.string("status") == "INACTIVE")
            let refused = try await client.postForm(
                "/oauth/token", [("grant_type", "password"), ("username", "dave"), ("password", "dave-pass-1")],
                headers: basic(server.clientID, server.clientSecret))
            #expect(refused.status == .badRequest, "\(refused.text)")
            #expect(try refused.string("error") == "invalid_grant")
        }
    }

    @Test("Changing a password or deactivating a user revokes their tokens; deleting answers 204")
    func updateAndDelete() async throws {
        try await withServer { server, client in
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let alice = try await server.login(client)
            let aliceToken = alice["access_token"] as! String
            let put = try await client.execute(
                uri: "/api/1.0/users/\(server.alice.id)", method: .put, headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"],
                body: Body.json(["password": "a-new-password-1"]))
            #expect(put.status == .ok)
            #expect(try await client.get("/api/1.0/users/me", token: aliceToken).status == .unauthorized)
            let refresh = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", alice["refresh_token"] as! String)],
                headers: basic(server.clientID, server.clientSecret))
            #expect(try refresh.string("error") == "invalid_grant")
            let fresh = try await server.accessToken(client, password: "a-new-password-1")
            #expect(try await client.get("/api/1.0/users/me", token: fresh).status == .ok)

            let delete = try await client.execute(uri: "/api/1.0/users/\(server.alice.id)", method: .delete, headers: bearer(admin))
            #expect(delete.status == .noContent)
            #expect(try await client.get("/api/1.0/users/me", token: fresh).status == .unauthorized)
            #expect(try await client.get("/api/1.0/users/\(server.alice.id)", token: admin).status == .notFound)
            let ownDeletion = try await client.execute(uri: "/api/1.0/users/1", method: .delete, headers: bearer(admin))
            #expect(ownDeletion.status == .unprocessableContent)
        }
    }

    @Test("/api answers JSON for unknown routes (404) and wrong methods (405 with Allow)")
    func jsonErrors() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            let missing = try await client.get("/api/1.0/nothing/here/at/all", token: token)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try missing.string("error") == "Not Found")
            let wrong = try await client.execute(uri: "/api/1.0/users/me", method: .patch, headers: bearer(token))
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow]?.contains("GET") == true)
            #expect(wrong.headers[.contentType]?.hasPrefix("application/json") == true)
            let pm3 = try await client.execute(uri: "/api/1.0/workflow/users", method: .delete, headers: bearer(token))
            #expect(pm3.status == .methodNotAllowed)
            #expect((try pm3.json()["error"] as? [String: Any])?["code"] as? Int == 405)
            let malformedJSON = try await client.execute(
                uri: "/api/1.0/users", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(string: "{nope"))
            #expect(malformedJSON.status == .badRequest || malformedJSON.status == .forbidden)
        }
    }
}
