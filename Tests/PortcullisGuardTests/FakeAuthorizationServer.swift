import Foundation
import Hummingbird
import JWTKit
import Logging
import NIOCore
import PortcullisGuard
import PortcullisWire
import ServiceLifecycle
import Synchronization
import Testing
import _CryptoExtras

/// A key the test signs tokens with, and the JWK the fake server publishes for it.
struct SigningKey: Sendable {
    let kid: String
    let alg: String
    let signer: any JWTAlgorithm
    let jwk: [String: String]

    static func rsa(_ kid: String) async throws -> SigningKey {
        let key = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let (n, e) = try key.publicKey.getKeyPrimitives()
        let collection = JWTKeyCollection()
        await collection.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        let signer = try await collection.getKey(for: JWKIdentifier(string: kid))
        return SigningKey(
            kid: kid, alg: "RS256", signer: signer,
            jwk: ["kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": base64URL(n), "e": base64URL(e)])
    }

    static func es256(_ kid: String) async throws -> SigningKey {
        let key = ES256PrivateKey()
        let parameters = try #require(key.publicKey.parameters)
        let collection = JWTKeyCollection()
        await collection.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        let signer = try await collection.getKey(for: JWKIdentifier(string: kid))
        return SigningKey(
            kid: kid, alg: "ES256", signer: signer,
            jwk: ["kty": "EC", "kid": kid, "alg": "ES256", "use": "sig", "crv": "P-256", "x": parameters.x, "y": parameters.y])
    }
}

func base64URL(_ data: some DataProtocol) -> String {
    Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// Builds a compact JWS from a header and claims given as JSON objects, so a test can write any header (no `typ`,
/// `alg` `none`, a made-up `kid`, …).
func compactJWS(header: [String: Any], claims: [String: Any], sign: (([UInt8]) throws -> [UInt8])?) throws -> String {
    let headerPart = base64URL(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
    let claimsPart = base64URL(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
    let input = headerPart + "." + claimsPart
    let signature = try sign?(Array(input.utf8)) ?? []
    return input + "." + base64URL(signature)
}

/// A stand-in for Portcullis: metadata, JWKS, the revocation feed and introspection, with switches for the tests.
final class FakeAuthorizationServer: Sendable {
    struct State {
        var port = 0
        var published: [SigningKey] = []
        var revocations: [RevocationFeedEntry] = []
        var feedUnauthorized = false
        /// The feed answers 503 (the rest stays up).
        var feedDown = false
        /// The workspace the feed names, as Portcullis's does.
        var feedWorkspace: String?
        var down = false
        var metadataIssuer: String?
        var introspectionActive = true
        var requests: [String: Int] = [:]
    }

    let state = Mutex(State())
    static let clientID = "rs_test"
    static let clientSecret = "s3cret:with/odd chars"

    var issuer: String { "http://127.0.0.1:\(state.withLock { $0.port })" }

    func count(_ path: String) -> Int { state.withLock { $0.requests[path] ?? 0 } }

    func publish(_ key: SigningKey) { state.withLock { $0.published.append(key) } }

    func revoke(_ kind: String, _ value: String, revokedAt: Int64 = Int64(Date().timeIntervalSince1970), expiresIn: Int64 = 3600) {
        let entry = RevocationFeedEntry(kind: kind, value: value, revokedAt: revokedAt, expiresAt: Int64(Date().timeIntervalSince1970) + expiresIn)
        state.withLock { $0.revocations.append(entry) }
    }

    private func record(_ path: String) -> Bool {
        state.withLock { state in
            state.requests[path, default: 0] += 1
            return state.down
        }
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func authorized(_ request: Request) -> Bool {
        let pair = "rs_test:s3cret%3Awith%2Fodd%20chars"
        return request.headers[.authorization] == "Basic " + Data(pair.utf8).base64EncodedString()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get(".well-known/oauth-authorization-server") { _, _ -> Response in
            if self.record("metadata") { return Response(status: .serviceUnavailable) }
            let issuer = self.state.withLock { $0.metadataIssuer } ?? self.issuer
            let metadata = AuthorizationServerMetadata(
                issuer: issuer, tokenEndpoint: self.issuer + "/oauth/token", jwksURI: self.issuer + "/oauth/jwks",
                scopesSupported: ["read:orders", "write:orders"], responseTypesSupported: ["code"],
                grantTypesSupported: ["authorization_code", "client_credentials"], tokenEndpointAuthMethodsSupported: ["client_secret_basic"],
                introspectionEndpoint: self.issuer + "/oauth/introspect", revocationFeedEndpoint: self.issuer + "/oauth/revocations")
            return try self.json(metadata)
        }
        router.get("oauth/jwks") { _, _ -> Response in
            if self.record("jwks") { return Response(status: .serviceUnavailable) }
            return try self.json(JSONWebKeySet(keys: self.state.withLock { $0.published.map(\.jwk) }))
        }
        router.get("oauth/revocations") { request, _ -> Response in
            if self.record("feed") || self.state.withLock({ $0.feedDown }) { return Response(status: .serviceUnavailable) }
            if self.state.withLock({ $0.feedUnauthorized }) || !self.authorized(request) {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"portcullis\""])
            }
            let all = self.state.withLock { $0.revocations }
            // The cursor is how many rows the reader has seen; the page repeats the last one, as the real feed may.
            let seen = request.uri.queryParameters.get("cursor").flatMap { Int($0) }
            let page = seen.map { Array(all.dropFirst(max(0, $0 - 1))) } ?? all
            let workspace = self.state.withLock { $0.feedWorkspace }
            return try self.json(RevocationFeedPage(revocations: page, cursor: String(all.count), pollInterval: 1, workspace: workspace))
        }
        router.post("oauth/introspect") { request, _ -> Response in
            if self.record("introspect") { return Response(status: .serviceUnavailable) }
            guard self.authorized(request) else { return Response(status: .unauthorized) }
            let body = try await request.body.collect(upTo: 1 << 16)
            guard String(buffer: body).hasPrefix("token=") else { return Response(status: .badRequest) }
            let active = self.state.withLock { $0.introspectionActive }
            return try self.json(IntrospectionResponse(active: active, aud: active ? Audience(testResource) : nil))
        }
        return router
    }
}

let testResource = "https://api.example.com/"

/// Runs the fake server on 127.0.0.1 (a port the OS picks) for the length of `body`.
func withFakeServer<T: Sendable>(_ body: @Sendable (FakeAuthorizationServer) async throws -> T) async throws -> T {
    let fake = FakeAuthorizationServer()
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: fake.router(),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
            portSink.finish()
        },
        logger: Logger(label: "fake-as", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        fake.state.withLock { $0.port = port }
        do {
            let result = try await body(fake)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// Waits until `condition` holds, checking every 20 ms, for at most `seconds` (generous: a slow machine must pass).
func eventually(_ seconds: Double = 20, _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
