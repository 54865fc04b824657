import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PortcullisCore
import PortcullisServer
import PortcullisStore
import PortcullisTestSupport
import Synchronization

/// A clock tests can move forward.
final class TestClock: Sendable {
    private let offset = Mutex<Int64>(0)
    func advance(_ seconds: Int64) { offset.withLock { $0 += seconds } }
    var clock: Clock { Clock { Clock.system.now() + self.offset.withLock { $0 } } }
}

/// A Portcullis on a fresh SQLite database in a temporary folder, with a user and two clients.
struct TestServer: Sendable {
    static let adminPassword = "admin-password-for-tests"
    static let alicePassword = "alice-password-1"

    let portcullis: Portcullis
    let folder: URL
    /// Confidential; password and client credentials switched on.
    let client: RegisteredClient
    /// Public; password grant only.
    let publicClient: RegisteredClient
    /// Confidential; client credentials only.
    let machineClient: RegisteredClient
    let alice: UserAccount
    let workspace: Workspace
    let time: TestClock
    let dropDatabase: @Sendable () async -> Void

    static var quietLogger: Logger { Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }) }

    /// The configuration every test server starts from: a fresh database (SQLite in a temporary folder, or a fresh
    /// PostgreSQL database when the suite runs there), a small pool, bcrypt at its cheapest. Returns the folder and
    /// how to drop the database afterwards.
    static func testConfiguration() async throws -> (Configuration, folder: URL, drop: @Sendable () async -> Void) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-test-\(UUID().uuidString)")
        var configuration = Configuration()
        configuration.dataDirectory = folder.path
        let (databaseURL, dropDatabase) = try await TestDatabase.fresh(in: folder)
        configuration.databaseURL = databaseURL
        // Many test servers run at once: one connection per event loop each keeps PostgreSQL's count sane.
        configuration.databasePoolSize = 2
        configuration.adminPassword = adminPassword
        configuration.bcryptCost = 4
        return (configuration, folder, dropDatabase)
    }

    static func start(logger: Logger = quietLogger, _ configure: (inout Configuration) -> Void = { _ in }) async throws -> TestServer {
        let time = TestClock()
        var (configuration, folder, dropDatabase) = try await testConfiguration()
        configuration.issuer = "http://portcullis.test"
        configure(&configuration)
        let portcullis = try await Portcullis.open(configuration, logger: logger, clock: time.clock)
        _ = try await portcullis.bootstrap()
        let workspace = try await portcullis.workspace(named: Workspace.defaultName)
        let alice = try await portcullis.createUser(
            username: "Alice", password: alicePassword, email: "alice@example.com", firstName: "Alice", lastName: "Liddell", in: workspace)
        let client = try await portcullis.registerClient(
            ClientRegistration(name: "Seed Client", grants: [.password, .clientCredentials]), in: workspace)
        let publicClient = try await portcullis.registerClient(
            ClientRegistration(name: "Public App", grants: [.password], isConfidential: false), in: workspace)
        let machineClient = try await portcullis.registerClient(
            ClientRegistration(name: "Machine", grants: [.clientCredentials]), in: workspace)
        return TestServer(
            portcullis: portcullis, folder: folder, client: client, publicClient: publicClient, machineClient: machineClient,
            alice: alice, workspace: workspace, time: time, dropDatabase: dropDatabase)
    }

    func stop() async {
        await portcullis.close()
        await dropDatabase()
        try? FileManager.default.removeItem(at: folder)
    }

    var clientID: String { client.client.clientID }

    /// A password-grant login; returns the token response.
    func login(_ client: any TestClientProtocol, username: String = "alice", password: String = TestServer.alicePassword, scope: String? = nil)
        async throws -> [String: Any]
    {
        var fields = [
            ("grant_type", "password"), ("client_id", clientID), ("client_secret", clientSecret), ("username", username),
            ("password", password),
        ]
        if let scope { fields.append(("scope", scope)) }
        let response = try await client.postForm("/oauth/token", fields)
        guard response.status == .ok else { throw TestFailure("login failed: \(response.text)") }
        return try response.json()
    }

    /// An access token for `username`.
    func accessToken(_ client: any TestClientProtocol, username: String = "alice", password: String = TestServer.alicePassword, scope: String? = nil)
        async throws -> String
    {
        try await login(client, username: username, password: password, scope: scope)["access_token"] as! String
    }
    var clientSecret: String { client.secret! }

    /// Waits until a mirror pass that began after this call has completed: two completions, since the one in flight may
    /// have begun before. A change made elsewhere must be in force then. Asserting that, and not a wall-clock second,
    /// keeps the test true on a loaded machine; the quarter-second pass interval is what makes the promise a second.
    /// Fails after 30 s; returns how long it waited, for the log.
    @discardableResult
    func nextMirrorPass() async throws -> Duration {
        let started = ContinuousClock.now
        let target = portcullis.mirrorPasses.load(ordering: .acquiring) + 2
        while portcullis.mirrorPasses.load(ordering: .acquiring) < target {
            guard ContinuousClock.now - started < .seconds(30) else { throw TestFailure("no mirror pass completed in 30 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return ContinuousClock.now - started
    }
}

/// Runs `body` against a fresh server through HummingbirdTesting's router framework, or with `live` over real
/// connections to a server on a free port of 127.0.0.1 (for concurrency and what crosses the wire).
func withServer(
    live: Bool = false, logger: Logger = TestServer.quietLogger, _ configure: (inout Configuration) -> Void = { _ in },
    _ body: @escaping @Sendable (TestServer, any TestClientProtocol) async throws -> Void
) async throws {
    let server = try await TestServer.start(logger: logger) { configuration in
        if live {
            configuration.hostname = "127.0.0.1"
            configuration.port = 0
        }
        configure(&configuration)
    }
    do {
        try await buildApplication(server.portcullis).test(live ? .live : .router) { client in try await body(server, client) }
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

// MARK: Requests

enum Body {
    static func formEncode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }

    static func json(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    /// What PHP's cURL sends for an array in CURLOPT_POSTFIELDS.
    static func multipart(_ fields: [(String, String)], boundary: String = "------------------------d74496d66958873e") -> ByteBuffer {
        var text = ""
        for (name, value) in fields {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        text += "--\(boundary)--\r\n"
        return ByteBuffer(string: text)
    }
}

extension TestClientProtocol {
    func postForm(_ uri: String, _ fields: [(String, String)], headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: Body.formEncode(fields)))
    }

    func putJSON(_ uri: String, _ object: [String: Any], token: String) async throws -> TestResponse {
        var headers = bearer(token)
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: .put, headers: headers, body: Body.json(object))
    }

    func postJSON(_ uri: String, _ object: [String: Any], headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return try await execute(uri: uri, method: .post, headers: headers, body: Body.json(object))
    }

    func postMultipart(_ uri: String, _ fields: [(String, String)], headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "multipart/form-data; boundary=------------------------d74496d66958873e"
        return try await execute(uri: uri, method: .post, headers: headers, body: Body.multipart(fields))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }

    func string(_ key: String) throws -> String? { try json()[key] as? String }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func basic(_ id: String, _ secret: String) -> HTTPFields {
    [.authorization: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()]
}

/// Decodes a JWT's payload without checking it (the server's own checks are tested elsewhere).
func jwtPayload(_ token: String) throws -> [String: Any] {
    let parts = token.split(separator: ".")
    guard parts.count == 3, let bytes = Base64URL.decode(parts[1]),
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    else { throw TestFailure("not a JWT") }
    return object
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

extension TestClientProtocol {
    func get(_ uri: String, token: String?) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: token.map(bearer) ?? [:])
    }
}
