import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import PortcullisCore
@testable import PortcullisServer

/// Fifty copies of one request at once against a live server: each single-use secret has exactly one winner
/// (DESIGN.md: redeemed by one atomic conditional update, never read-then-write). The tests count outcomes, not
/// timings. They run on SQLite and, with PORTCULLIS_TEST_POSTGRES_URL, on PostgreSQL.
@Suite("Races: fifty presentations of one secret, one winner")
struct RaceTests {
    static let presentations = 50

    /// A live server on a loopback port of its own, so the requests below really run at once.
    static func withLiveServer(_ body: @escaping @Sendable (TestServer, any TestClientProtocol, Int) async throws -> Void) async throws {
        try await withServer(live: true) { server, client in try await body(server, client, try #require(client.port)) }
    }

    /// Sends `count` copies of one request at once, each on its own connection (all opened before the first is
    /// sent), and returns every response.
    static func concurrently(
        port: Int, count: Int = presentations, _ uri: String, method: HTTPRequest.Method = .post, headers: HTTPFields, body: String
    ) async throws -> [TestClient.Response] {
        let clients = (0..<count).map { _ in TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(60))) }
        for client in clients { client.connect() }
        for client in clients { _ = try await client.getChannel() }
        var headers = headers
        headers[.connection] = "keep-alive"
        let request = TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: ByteBuffer(string: body))
        let responses = try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
            for client in clients { group.addTask { try await client.execute(request) } }
            var all: [TestClient.Response] = []
            for try await response in group { all.append(response) }
            return all
        }
        for client in clients { try? await client.shutdown() }
        return responses
    }

    static func json(_ response: TestClient.Response) -> [String: Any] {
        guard let body = response.body,
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else { return [:] }
        return object
    }

    static func form(_ headers: HTTPFields = [:]) -> HTTPFields {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return headers
    }

    @Test("One refresh token presented 50 times at once: one new pair, the rest invalid_grant, and the reuse revokes the grant")
    func refreshToken() async throws {
        try await Self.withLiveServer { server, client, port in
            let login = try await server.login(client)
            let presented = try #require(login["refresh_token"] as? String)
            let credentials = basic(server.clientID, server.clientSecret)
            let responses = try await Self.concurrently(
                port: port, "/oauth/token", headers: Self.form(credentials),
                body: Body.formEncode([("grant_type", "refresh_token"), ("refresh_token", presented)]))

            let winners = responses.filter { $0.status == .ok }
            #expect(winners.count == 1, "\(winners.count) of \(responses.count) presentations got a new pair")
            for loser in responses where loser.status != .ok {
                #expect(loser.status == .badRequest)
                #expect(Self.json(loser)["error"] as? String == "invalid_grant")
            }
            let winner = try #require(winners.first.map(Self.json))
            let successor = try #require(winner["refresh_token"] as? String)
            #expect(successor != presented)
            // RFC 9700 §4.14.2: the 49 reuses revoked the grant, so the winner's pair is dead too.
            let next = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", successor)], headers: credentials)
            #expect(next.status == .badRequest)
            #expect(try next.string("error") == "invalid_grant")
            let me = try await client.get("/api/1.0/users/me", token: winner["access_token"] as? String)
            #expect(me.status == .unauthorized)
        }
    }

    @Test(
        "One authorization code presented 50 times at once, in several rounds: never two winners, all answered, the rest invalid_grant, and a winner's tokens are revoked"
    )
    func authorizationCode() async throws {
        try await Self.withLiveServer { server, client, port in
            let clients = try await WebClients.register(server)
            let credentials = basic(clients.web.client.clientID, clients.web.secret!)
            // RFC 6749 §4.1.2: concurrent presentations are a replay. The first consumes the code; when a replay is
            // recorded before its grant is linked, even the first is refused (AuthorizationCodeStore.createGrant), so
            // one round may have no winner. Never two; and over the rounds (at least 3, a fresh code each)
            // one must have exactly one winner, so the revocation below is really checked. Under load most rounds have none
            // (PostgreSQL with other suites running: one round in nine had a winner), so it goes on for up to 60 rounds
            // (a few tenths of a second each) until one has.
            var winnersPerRound: [Int] = []
            var checkedRevocation = false
            while winnersPerRound.count < 3 || (!checkedRevocation && winnersPerRound.count < 60) {
                let code = try await AuthorizationFlowTests.code(server, client, clients.web)
                let responses = try await Self.concurrently(
                    port: port, "/oauth/token", headers: Self.form(credentials),
                    body: Body.formEncode([("grant_type", "authorization_code"), ("code", code)]))
                #expect(responses.count == Self.presentations, "every presentation is answered")
                let winners = responses.filter { $0.status == .ok }
                winnersPerRound.append(winners.count)
                for loser in responses where loser.status != .ok {
                    #expect(loser.status == .badRequest, "\(loser.status)")
                    #expect(Self.json(loser)["error"] as? String == "invalid_grant")
                }
                if winners.count == 1, let winner = winners.first.map(Self.json) {
                    // What the replay found already issued is revoked: the access token is refused, the refresh token fails.
                    let me = try await client.get("/api/1.0/users/me", token: try #require(winner["access_token"] as? String))
                    #expect(me.status == .unauthorized)
                    let refresh = try await client.postForm(
                        "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", try #require(winner["refresh_token"] as? String))],
                        headers: credentials)
                    #expect(try refresh.string("error") == "invalid_grant")
                    checkedRevocation = true
                }
                let again = try await client.postForm("/oauth/token", [("grant_type", "authorization_code"), ("code", code)], headers: credentials)
                #expect(try again.string("error") == "invalid_grant")
            }
            print("RaceTests.authorizationCode winners per round: \(winnersPerRound)")
            #expect(winnersPerRound.allSatisfy { $0 <= 1 }, "winners per round: \(winnersPerRound)")
            #expect(checkedRevocation, "no round had exactly one winner: \(winnersPerRound)")
        }
    }

    @Test("One consent form posted 50 times at once: exactly one redirect carries a code, no second code")
    func consentDecision() async throws {
        try await Self.withLiveServer { server, client, port in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let consent = try await browser.get(authorizeURL(clients.web.client.clientID))
            #expect(consent.status == .ok)
            let action = try #require(HTML.formAction(consent.text))
            let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
            let responses = try await Self.concurrently(
                port: port, action, headers: Self.form([.cookie: cookie]),
                body: Body.formEncode(HTML.hiddenFields(consent.text) + [("decision", "accept")]))

            let codes = responses.compactMap { locationParameters($0.headers[.location] ?? "")["code"] }
            #expect(codes.count == 1, "\(codes.count) of \(responses.count) posts of one consent form got a code")
            for response in responses { #expect(response.status.code < 500, "\(response.status)") }
            let redeemed = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", try #require(codes.first))],
                headers: basic(clients.web.client.clientID, clients.web.secret!))
            #expect(redeemed.status == .ok)
        }
    }
}
