import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import PortcullisTestSupport
import SQLKit
import Synchronization
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

/// Keeps every log line (message, metadata, source) for inspection.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "captured", factory: { _ in Handler(log: self) })
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append("\(event.level) \(event.source) \(event.message) \(merged)")
        }
    }
}

@Suite("Security rules")
struct SecurityTests {
    @Test("No secret, password, token, code or hash of one reaches the log, even at trace level")
    func logsCarryNoSecrets() async throws {
        let log = CapturedLog()
        nonisolated(unsafe) var secrets: [String] = [TestServer.adminPassword, TestServer.alicePassword]
        try await withServer(logger: log.logger) { server, client in
            secrets.append(server.clientSecret)
            let login = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                    ("username", "alice"), ("password", TestServer.alicePassword),
                ])
            let refresh = try #require(try login.string("refresh_token"))
            secrets += [try #require(try login.string("access_token")), refresh, OpaqueSecret.hash(refresh)]
            let rotated = try await client.postForm(
                "/workflow/oauth2/token",
                [("grant_type", "refresh_token"), ("client_id", server.clientID), ("client_secret", server.clientSecret), ("refresh_token", refresh)])
            secrets += [try #require(try rotated.string("access_token")), try #require(try rotated.string("refresh_token"))]
            // Failures and a replay, which logs a warning.
            _ = try await client.postForm(
                "/workflow/oauth2/token",
                [("grant_type", "refresh_token"), ("client_id", server.clientID), ("client_secret", server.clientSecret), ("refresh_token", refresh)])
            _ = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret + "x"),
                    ("username", "alice"), ("password", "wrong-\(TestServer.alicePassword)"),
                ])
            _ = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret))
            _ = try await client.execute(
                uri: "/oauth/token", method: .post, headers: [.contentType: "application/json"],
                body: .init(string: "{\"password\": \"\(TestServer.alicePassword)\""))
        }
        let lines = log.all
        #expect(!lines.isEmpty, "the capture saw nothing, so it proves nothing")
        #expect(lines.contains { $0.contains("refresh token reuse detected") })
        for line in lines {
            // The whole secret, and its last 16 characters: a secret logged without its prefix leaks just the same.
            for secret in secrets { #expect(!line.contains(secret) && !line.contains(secret.suffix(16)), "a secret reached the log: \(line)") }
            #expect(!line.contains("pcl_rt_") && !line.contains("pcl_cs_") && !line.contains("eyJ"), "\(line)")
        }
    }

    @Test("Nor from the rest of the surface: sign-in, session, code and verifier, bearer calls, revocation, introspection, new secrets and PATs")
    func logsCarryNoSecretsBeyondTheTokenEndpoint() async throws {
        let log = CapturedLog()
        nonisolated(unsafe) var secrets: [String] = [TestServer.adminPassword, TestServer.alicePassword]
        try await withServer(logger: log.logger) { server, client in
            let clients = try await WebClients.register(server)
            let web = try #require(clients.web.secret)
            secrets += [server.clientSecret, web]
            let webBasic = basic(clients.web.client.clientID, web)
            // Sign-in: a wrong password first, then the right one; the session id and the forms' CSRF tokens.
            let browser = Browser(client)
            _ = try await signIn(browser, password: "wrong-\(TestServer.alicePassword)")
            #expect(try await signIn(browser).status == .seeOther)
            let session = try #require(browser.cookies[server.portcullis.sessionCookieName])
            secrets.append(session)
            let verifier = Base64URL.encode(SecureRandom.bytes(40))
            secrets.append(verifier)
            let consent = try await browser.get(
                authorizeURL(
                    clients.web.client.clientID,
                    [
                        ("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256"),
                    ]))
            let hidden = HTML.hiddenFields(consent.text)
            // The consent form's one-time nonce and the device cookie sign-in left are secrets too.
            secrets += hidden.filter { $0.0 == "csrf" || $0.0 == "consent" }.map(\.1)
            secrets += browser.cookies.filter { $0.key.hasSuffix("portcullis_device") }.map(\.value)
            #expect(hidden.contains { $0.0 == "consent" } && browser.cookies.keys.contains { $0.hasSuffix("portcullis_device") })
            let accept = try await browser.post(try #require(HTML.formAction(consent.text)), hidden + [("decision", "accept")])
            let code = try #require(locationParameters(accept.headers[.location] ?? "")["code"])
            secrets.append(code)
            // A wrong verifier, then the right one, then a replay of the used code (which revokes, and logs a warning).
            _ = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier + "x")], headers: webBasic)
            let code2 = try await AuthorizationFlowTests.code(
                server, client, clients.web,
                extra: [
                    ("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256"),
                ])
            secrets.append(code2)
            let issued = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code2), ("code_verifier", verifier)], headers: webBasic)
            #expect(issued.status == .ok, "\(issued.text)")
            let access = try #require(try issued.string("access_token"))
            let refresh = try #require(try issued.string("refresh_token"))
            secrets += [access, refresh]
            _ = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code2), ("code_verifier", verifier)], headers: webBasic)
            // Bearer calls: a good one, a forged one, one with the token in the query string.
            let alice = try await server.accessToken(client)
            secrets.append(alice)
            #expect(try await client.get("/api/1.0/users/me", token: alice).status == .ok)
            _ = try await client.get("/api/1.0/users/me", token: alice + "x")
            _ = try await client.get("/api/1.0/users/me?access_token=\(alice)", token: nil)
            // Introspection and revocation, with good and bad client secrets.
            _ = try await client.postForm("/oauth/introspect", [("token", alice)], headers: basic(server.clientID, server.clientSecret))
            _ = try await client.postForm("/oauth/introspect", [("token", alice)], headers: basic(server.clientID, server.clientSecret + "x"))
            _ = try await client.postForm("/oauth/revoke", [("token", refresh)], headers: basic(clients.web.client.clientID, web + "x"))
            _ = try await client.postForm("/oauth/revoke", [("token", refresh)], headers: webBasic)
            // A new client's secret and a personal access token, each shown once in its response.
            let root = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            secrets.append(root)
            let created = try await ClientsAPITests.send(client, .post, "/oauth/clients", token: root, ClientsAPITests.pm4Body)
            secrets.append(try #require(try created.string("secret")))
            let seed = try await PersonalTokenTests.seedToken(server)
            secrets.append(seed)
            let pat = try await PersonalTokenTests.create(
                client, "/api/1.0/users/\(server.alice.id)/tokens", token: seed, ["name": "log test", "scopes": ["*"]])
            secrets.append(try #require(try pat.json()["accessToken"] as? String))
        }
        let lines = log.all
        #expect(lines.count >= 5, "the capture saw too little to prove anything: \(lines.count) lines")
        #expect(lines.contains { $0.contains("reuse") || $0.contains("replay") }, "the code replay is logged")
        #expect(secrets.allSatisfy { $0.count >= 8 }, "every secret checked is long enough not to match by chance")
        for line in lines {
            // The whole secret, and its last 16 characters: a secret logged without its prefix leaks just the same.
            for secret in secrets { #expect(!line.contains(secret) && !line.contains(secret.suffix(16)), "a secret reached the log: \(line)") }
            #expect(
                !line.contains("pcl_rt_") && !line.contains("pcl_cs_") && !line.contains("pcl_ac_") && !line.contains("pcl_cn_") && !line.contains("eyJ"),
                "\(line)")
        }
    }

    @Test(
        "Failed passwords are throttled per (username, address): with no address known (the in-process router), that pair is the username, and then even the right password waits, with Retry-After"
    )
    func throttling() async throws {
        try await withServer({ $0.throttle.perUsername = 3 }) { server, client in
            func attempt(_ password: String, username: String = "alice") async throws -> TestResponse {
                try await client.postForm(
                    "/oauth/token",
                    [
                        ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                        ("username", username), ("password", password),
                    ])
            }
            for _ in 0..<3 { #expect(try await attempt("wrong").status == .badRequest) }
            let blocked = try await attempt(TestServer.alicePassword)
            #expect(blocked.status == .tooManyRequests)
            #expect(try blocked.string("error") == "temporarily_unavailable")
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Another username is not affected.
            #expect(try await attempt(TestServer.adminPassword, username: "admin").status == .ok)
        }
    }

    @Test("Failures are throttled per client address: client-secret guesses and sign-ins from one address, not others")
    func throttlingPerAddress() async throws {
        // The in-process test router has no peer address, so this goes to the Core with the address the HTTP layer
        // would have worked out.
        let server = try await TestServer.start { $0.throttle.perAddress = 3 }
        defer { Task { await server.stop() } }
        let core = server.portcullis.authorizationServer
        func clientCredentials(_ secret: String, from address: String) async throws -> IssuedTokens {
            try await core.token(
                TokenRequest(
                    parameters: ["grant_type": "client_credentials"], basic: BasicCredentials(clientID: server.clientID, secret: secret),
                    remoteAddress: address),
                in: server.workspace)
        }
        for _ in 0..<3 {
            await #expect(throws: OAuthError.invalidClient) { try await clientCredentials("wrong", from: "192.0.2.7") }
        }
        do {
            _ = try await clientCredentials(server.clientSecret, from: "192.0.2.7")
            Issue.record("the right secret from a throttled address must wait")
        } catch OAuthError.throttled {}
        _ = try await clientCredentials(server.clientSecret, from: "198.51.100.9")

        // The login form: failed sign-ins from one address close it for a correct password too.
        for index in 0..<3 {
            await #expect(throws: (any Error).self) {
                _ = try await server.portcullis.signIn.signIn(username: "nobody-\(index)", password: "x-password", in: server.workspace, address: "192.0.2.8")
            }
        }
        do {
            _ = try await server.portcullis.signIn.signIn(username: "alice", password: TestServer.alicePassword, in: server.workspace, address: "192.0.2.8")
            Issue.record("the right password from a throttled address must wait")
        } catch OAuthError.throttled {}
        #expect(
            try await server.portcullis.signIn.signIn(username: "alice", password: TestServer.alicePassword, in: server.workspace, address: "198.51.100.9").id
                == server.alice.id)
    }

    @Test("A public client id cannot be used to lock its client out (failures count per address, not per client)")
    func noClientLockout() async throws {
        try await withServer { server, client in
            for _ in 0..<30 {
                let response = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, "wrong"))
                #expect(response.status == .unauthorized)
            }
            let real = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret))
            #expect(real.status == .ok)
        }
    }

    @Test("Concurrent wrong passwords cannot slip past the limit: the attempt counts before the bcrypt work")
    func concurrentGuesses() async throws {
        try await withServer({
            $0.throttle.perUsername = 5
            $0.bcryptCost = 8
        }) { server, client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        try await client.postForm(
                            "/oauth/token",
                            [
                                ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                                ("username", "alice"), ("password", "guess-\(index)"),
                            ]
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .badRequest }.count <= 5, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 25)
        }
    }

    @Test("Concurrent correct logins of one account are never throttled: they queue behind the running attempts")
    func concurrentCorrectLogins() async throws {
        // A generous patience: the whole suite runs at once on two cores, and this checks the queue, not its bound
        // (AttemptLimiterTests checks that).
        try await withServer({
            $0.throttle.perUsername = 5
            $0.throttle.perAddress = 8
            $0.throttle.queuePatience = .seconds(120)
        }) { server, client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        try await client.postForm(
                            "/oauth/token",
                            [
                                ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                                ("username", "admin"), ("password", TestServer.adminPassword),
                            ]
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
            // The refunds left nothing counted: the whole budget is still there for a mistyped password.
            for _ in 0..<5 {
                let wrong = try await client.postForm(
                    "/oauth/token",
                    [
                        ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                        ("username", "admin"), ("password", "wrong"),
                    ])
                #expect(wrong.status == .badRequest)
            }
        }
    }

    @Test("Behind a trusted proxy the client is the last untrusted X-Forwarded-For hop; anyone else's header is ignored; IPv6 counts per /64")
    func clientAddresses() {
        let trusted = [AddressRange("127.0.0.1")!, AddressRange("10.0.0.0/8")!]
        #expect(Portcullis.clientAddress(peer: "203.0.113.9", forwardedFor: ["1.2.3.4"], trusted: trusted) == "203.0.113.9")
        #expect(Portcullis.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"], trusted: trusted) == "198.51.100.7")
        #expect(
            Portcullis.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 198.51.100.7, 10.1.2.3"], trusted: trusted) == "198.51.100.7",
            "a spoofed first hop is not believed")
        #expect(Portcullis.clientAddress(peer: "127.0.0.1", forwardedFor: [], trusted: trusted) == "127.0.0.1")
        #expect(Portcullis.clientAddress(peer: "127.0.0.1", forwardedFor: ["not-an-ip"], trusted: trusted) == "127.0.0.1")
        #expect(Portcullis.clientAddress(peer: "2001:db8:1:2:3:4:5:6", forwardedFor: [], trusted: []) == "2001:0db8:0001:0002::/64")
        #expect(AddressRange("::1")!.contains("::1") && !AddressRange("10.0.0.0/8")!.contains("11.0.0.1"))
        #expect(AddressRange("10.0.0.0/33") == nil && AddressRange("banana") == nil)
    }

    @Test("A path with // is never served, so no page can echo it as a form action or Location")
    func doubleSlashPaths() async throws {
        try await withServer { _, client in
            for path in ["//login", "//sysworkflow/en/neoclassic/login/login", "//oauth/authorize?client_id=x", "/admin//auth-clients"] {
                #expect(try await client.execute(uri: path, method: .get).status == .notFound, "\(path)")
                #expect(try await client.execute(uri: path, method: .post).status == .notFound, "\(path)")
            }
            let page = try await client.execute(uri: "/sysworkflow/en/neoclassic/login/login", method: .get)
            #expect(page.text.contains(#"action="/sysworkflow/en/neoclassic/login/login""#))
        }
    }

    @Test("Secrets at rest: client secrets and refresh tokens only as hashes, private keys only sealed, key file 0600")
    func atRest() async throws {
        try await withServer { server, client in
            let login = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                    ("username", "alice"), ("password", TestServer.alicePassword),
                ])
            let refresh = try #require(try login.string("refresh_token"))
            let database = try await server.everythingStored()
            for needle in [server.clientSecret, refresh, TestServer.alicePassword, "PRIVATE KEY"] {
                #expect(database.range(of: Data(needle.utf8)) == nil, "found \(needle.prefix(12))… in the database files")
            }
            #expect(database.range(of: Data(OpaqueSecret.hash(refresh).utf8)) != nil, "the hash should be what is stored")
            let attributes = try FileManager.default.attributesOfItem(atPath: server.folder.appendingPathComponent("secret.key").path)
            #expect(database.count > 1000, "the dump saw the data")
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
        }
    }

    @Test("An unknown username costs a bcrypt verification, like a wrong password")
    func unknownUserCostsBcrypt() async throws {
        let spy = SpyPasswordHasher()
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let core = server.portcullis.authorizationServer
        let authorization = AuthorizationServer(
            workspaces: core.workspaces, users: core.users, clients: core.clients, grants: core.grants, revocations: core.revocations,
            passwords: spy, secrets: core.secrets, codec: core.codec, revocationList: core.revocationList, policy: core.policy,
            limiter: InMemoryAttemptLimiter(policy: ThrottlePolicy()), logger: core.logger)
        func attempt(_ username: String) async {
            let request = TokenRequest(
                parameters: ["grant_type": "password", "username": username, "password": "whatever-1"],
                basic: BasicCredentials(clientID: server.clientID, secret: server.clientSecret))
            await #expect(throws: OAuthError.invalidUserCredentials) { try await authorization.token(request, in: server.workspace) }
        }
        await attempt("nobody-here")
        #expect(spy.calls == ["dummy"])
        await attempt("alice")
        #expect(spy.calls == ["dummy", "verify"])
    }
}

/// Records which verification ran.
final class SpyPasswordHasher: PasswordHasher {
    private let log = Mutex<[String]>([])
    var calls: [String] { log.withLock { $0 } }
    func hash(_ password: String) async throws -> String { "hash" }
    func verify(_ password: String, against hash: String) async -> Bool {
        log.withLock { $0.append("verify") }
        return false
    }
    func verifyAgainstDummy(_ password: String) async { log.withLock { $0.append("dummy") } }
}

extension TestServer {
    /// Every byte the database holds: the SQLite files, or every row of every table as text on PostgreSQL.
    func everythingStored() async throws -> Data {
        guard TestDatabase.isPostgres else {
            return try Data(contentsOf: folder.appendingPathComponent("portcullis.sqlite"))
                + ((try? Data(contentsOf: folder.appendingPathComponent("portcullis.sqlite-wal"))) ?? Data())
        }
        let tables = try await portcullis.store.sql.raw(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
        ).all(decodingColumn: "name", as: String.self)
        var text = ""
        for table in tables {
            text += try await portcullis.store.sql.raw("SELECT CAST(t AS TEXT) AS row FROM \(ident: table) t")
                .all(decodingColumn: "row", as: String.self).joined(separator: "\n")
        }
        return Data(text.utf8)
    }
}
