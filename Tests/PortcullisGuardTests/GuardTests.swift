import Foundation
import JWTKit
import Logging
import PortcullisGuard
import PortcullisWire
import Synchronization
import Testing

/// A fake server with one RSA and one EC key published, and a running guard pointed at it.
struct Environment: Sendable {
    let fake: FakeAuthorizationServer
    let portcullis: PortcullisGuard
    let rsa: SigningKey
    let ec: SigningKey

    var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// Claims of a good token for the test resource; `changes` edits them.
    func claims(_ changes: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": fake.issuer, "sub": "user_1", "aud": testResource, "client_id": "client_a", "scope": "read:orders write:orders",
            "scopes": ["read:orders", "write:orders"], "jti": UUID().uuidString, "gid": "grant_1", "uv": 1, "workspace": "default",
            "iat": now, "nbf": now, "exp": now + 300,
        ]
        changes(&claims)
        return claims
    }

    /// A token signed with `key`, header `typ: at+jwt` unless `header` says otherwise.
    func token(
        with key: SigningKey? = nil, _ changes: (inout [String: Any]) -> Void = { _ in }, header: (inout [String: Any]) -> Void = { _ in }
    ) throws -> String {
        let key = key ?? rsa
        var fields: [String: Any] = ["alg": key.alg, "kid": key.kid, "typ": "at+jwt"]
        header(&fields)
        return try compactJWS(header: fields, claims: claims(changes)) { try key.signer.sign($0) }
    }

    func bearer(
        with key: SigningKey? = nil, _ changes: (inout [String: Any]) -> Void = { _ in }, header: (inout [String: Any]) -> Void = { _ in }
    ) throws -> String {
        "Bearer " + (try token(with: key, changes, header: header))
    }

    func verify(_ authorization: String?, scopes: Set<String> = ["read:orders"]) async -> Result<Principal, GuardError> {
        await portcullis.check(authorization, requiredScopes: scopes)
    }
}

let sharedKeys = Task { (try await SigningKey.rsa("rsa-1"), try await SigningKey.es256("ec-1")) }

/// Runs `body` with a fresh fake server and a guard that has loaded its keys; both stop afterwards.
func withGuard(
    credentials: Bool = true, _ configure: @Sendable (inout GuardConfiguration) -> Void = { _ in },
    _ body: @Sendable (Environment) async throws -> Void
) async throws {
    let (rsa, ec) = try await sharedKeys.value
    try await withFakeServer { fake in
        fake.publish(rsa)
        fake.publish(ec)
        var configuration = GuardConfiguration(
            issuer: fake.issuer, resource: testResource, clientID: credentials ? FakeAuthorizationServer.clientID : nil,
            clientSecret: credentials ? FakeAuthorizationServer.clientSecret : nil, feedPollInterval: .milliseconds(50),
            logger: Logger(label: "guard-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        configure(&configuration)
        let portcullis = try PortcullisGuard(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await portcullis.run() }
            defer { portcullis.shutdown() }
            let ready = await eventually { portcullis.isReady && (!credentials || portcullis.isRevocationFeedSynced) }
            try #require(ready, "the guard never loaded keys from the fake server")
            try await body(Environment(fake: fake, portcullis: portcullis, rsa: rsa, ec: ec))
        }
    }
}

func expectInvalidToken(_ result: Result<Principal, GuardError>, sourceLocation: SourceLocation = #_sourceLocation) {
    guard case .failure(.invalidToken) = result else {
        Issue.record("expected invalid_token, got \(result)", sourceLocation: sourceLocation)
        return
    }
}

@Suite("Verification")
struct VerificationTests {
    @Test func validRS256TokenPassesWithPrincipal() async throws {
        try await withGuard { env in
            let jti = "jti-valid"
            let exp = env.now + 300
            let principal = try await env.verify(
                try env.bearer {
                    $0["jti"] = jti
                    $0["exp"] = exp
                }
            ).get()
            #expect(principal.subject == "user_1")
            #expect(principal.clientID == "client_a")
            #expect(principal.scopes == ["read:orders", "write:orders"])
            #expect(principal.workspace == "default")
            #expect(principal.tokenID == jti)
            #expect(principal.grantID == "grant_1")
            #expect(Int64(principal.expiresAt.timeIntervalSince1970) == exp)
            #expect(!principal.isClientToken)
        }
    }

    @Test func validES256ClientTokenPasses() async throws {
        try await withGuard { env in
            let principal = try await env.verify(
                try env.bearer(with: env.ec) {
                    $0["sub"] = "client_a"
                    $0["uv"] = nil
                }
            ).get()
            #expect(principal.isClientToken)
            #expect(principal.subject == "client_a")
        }
    }

    @Test func schemeIsCaseInsensitive() async throws {
        try await withGuard { env in
            let token = try env.token()
            #expect((try? await env.verify("bearer " + token).get()) != nil)
            #expect((try? await env.verify("BEARER " + token).get()) != nil)
        }
    }

    @Test func missingHeaderIsMissingToken() async throws {
        try await withGuard { env in
            #expect(await env.verify(nil) == .failure(.missingToken))
            #expect(await env.verify("") == .failure(.missingToken))
            let challenge = try #require(env.portcullis.wwwAuthenticate(for: .missingToken))
            #expect(challenge.hasPrefix("Bearer realm=\"\(testResource)\""))
            #expect(!challenge.contains("error="))
            #expect(challenge.contains("resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource\""))
            #expect(GuardError.missingToken.status == 401)
        }
    }

    @Test func wrongSchemeIsRefused() async throws {
        try await withGuard { env in
            let token = try env.token()
            #expect(await env.verify("Basic " + token) == .failure(.missingToken))
            #expect(await env.verify("Token " + token) == .failure(.missingToken))
            #expect(await env.verify(token) == .failure(.missingToken))
        }
    }

    @Test func twoTokensOrOddSpacingAreInvalidRequests() async throws {
        try await withGuard { env in
            let token = try env.token()
            for value in ["Bearer \(token) \(token)", "Bearer  \(token)", "Bearer", "Bearer \(token),\(token)", "Bearer\t\(token)"] {
                let result = await env.verify(value)
                guard case .failure(.invalidRequest) = result else {
                    Issue.record("expected invalid_request for a malformed header, got \(result)")
                    continue
                }
            }
            #expect(GuardError.invalidRequest("x").status == 400)
        }
    }

    @Test func garbageIsInvalidToken() async throws {
        try await withGuard { env in
            for value in ["Bearer abc", "Bearer abc.def", "Bearer a.b.c", "Bearer ....", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.", "Bearer e30.e30.e30"] {
                expectInvalidToken(await env.verify(value))
            }
        }
    }

    @Test func algNoneIsRefused() async throws {
        try await withGuard { env in
            let token = try compactJWS(header: ["alg": "none", "kid": env.rsa.kid, "typ": "at+jwt"], claims: env.claims(), sign: nil)
            expectInvalidToken(await env.verify("Bearer " + token))
            // With an empty signature part the token is not even a well-formed JWS.
            let signed = try compactJWS(header: ["alg": "none", "kid": env.rsa.kid, "typ": "at+jwt"], claims: env.claims()) { _ in [1] }
            expectInvalidToken(await env.verify("Bearer " + signed))
        }
    }

    @Test func hs256WithThePublicKeyAsSecretIsRefused() async throws {
        try await withGuard { env in
            // The classic confusion attack: HMAC keyed with the RSA public key the JWKS publishes.
            let secret = try #require(env.rsa.jwk["n"])
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: env.rsa.kid))
            let hmac = try await collection.getKey(for: JWKIdentifier(string: env.rsa.kid))
            let token = try compactJWS(header: ["alg": "HS256", "kid": env.rsa.kid, "typ": "at+jwt"], claims: env.claims()) { try hmac.sign($0) }
            expectInvalidToken(await env.verify("Bearer " + token))
        }
    }

    @Test func algorithmMustFitTheKey() async throws {
        try await withGuard { env in
            // An ES256 signature presented under the RSA key's kid.
            let token = try compactJWS(header: ["alg": "ES256", "kid": env.rsa.kid, "typ": "at+jwt"], claims: env.claims()) { try env.ec.signer.sign($0) }
            expectInvalidToken(await env.verify("Bearer " + token))
        }
    }

    @Test func wrongOrMissingTypIsRefused() async throws {
        try await withGuard { env in
            expectInvalidToken(await env.verify(try env.bearer(header: { $0["typ"] = "JWT" })))
            expectInvalidToken(await env.verify(try env.bearer(header: { $0["typ"] = nil })))
            // RFC 9068 §2.1 allows the full media type too.
            let full = await env.verify(try env.bearer(header: { $0["typ"] = "application/at+jwt" }))
            #expect((try? full.get()) != nil, "\(full)")
        }
    }

    @Test func badSignatureIsRefused() async throws {
        try await withGuard { env in
            let token = try env.token()
            let other = try env.token { $0["sub"] = "admin" }
            let parts = token.split(separator: ".")
            let forged = other.split(separator: ".")[0...1].joined(separator: ".") + "." + parts[2]
            expectInvalidToken(await env.verify("Bearer " + forged))
        }
    }

    @Test func wrongIssuerIsRefused() async throws {
        try await withGuard { env in
            expectInvalidToken(await env.verify(try env.bearer { $0["iss"] = "http://evil.example" }))
            expectInvalidToken(await env.verify(try env.bearer { $0["iss"] = env.fake.issuer + "/" }))
            expectInvalidToken(await env.verify(try env.bearer { $0["iss"] = nil }))
        }
    }

    @Test func audienceWithoutTheResourceIsRefused() async throws {
        try await withGuard { env in
            expectInvalidToken(await env.verify(try env.bearer { $0["aud"] = "https://other.example.com/" }))
            expectInvalidToken(await env.verify(try env.bearer { $0["aud"] = ["https://other.example.com/", "https://api.example.com"] }))
            expectInvalidToken(await env.verify(try env.bearer { $0["aud"] = nil }))
        }
    }

    @Test func audienceArrayHoldingTheResourcePasses() async throws {
        try await withGuard { env in
            let result = await env.verify(try env.bearer { $0["aud"] = ["https://other.example.com/", testResource] })
            #expect((try? result.get()) != nil)
        }
    }

    @Test func expiredBeyondLeewayIsRefused() async throws {
        try await withGuard { env in
            expectInvalidToken(
                await env.verify(
                    try env.bearer {
                        $0["exp"] = env.now - 30
                        $0["iat"] = env.now - 400
                    }))
        }
    }

    @Test func notBeforeInTheFutureIsRefused() async throws {
        try await withGuard { env in
            expectInvalidToken(await env.verify(try env.bearer { $0["nbf"] = env.now + 60 }))
            expectInvalidToken(await env.verify(try env.bearer { $0["iat"] = env.now + 60 }))
        }
    }

    @Test func withinLeewayPasses() async throws {
        try await withGuard { env in
            // Default leeway is 5 s: a token expired 2 s ago, or valid from 2 s on, still passes.
            #expect((try? await env.verify(try env.bearer { $0["exp"] = env.now - 2 }).get()) != nil)
            #expect(
                (try? await env.verify(
                    try env.bearer {
                        $0["nbf"] = env.now + 2
                        $0["iat"] = env.now + 2
                    }
                ).get()) != nil)
        }
    }

    @Test func missingRequiredClaimsAreRefused() async throws {
        try await withGuard { env in
            for claim in ["sub", "client_id", "jti", "exp", "iat"] {
                expectInvalidToken(await env.verify(try env.bearer { $0[claim] = nil }))
            }
        }
    }

    @Test func insufficientScopeIsForbiddenWithTheScopeInTheChallenge() async throws {
        try await withGuard { env in
            let result = await env.verify(
                try env.bearer {
                    $0["scope"] = "write:orders"
                    $0["scopes"] = ["write:orders"]
                })
            #expect(result == .failure(.insufficientScope(required: ["read:orders"])))
            let error = GuardError.insufficientScope(required: ["read:orders"])
            #expect(error.status == 403)
            let challenge = try #require(env.portcullis.wwwAuthenticate(for: error))
            #expect(challenge.contains("error=\"insufficient_scope\""))
            #expect(challenge.contains("scope=\"read:orders\""))
        }
    }

    @Test func invalidTokenChallengeNamesTheError() async throws {
        try await withGuard { env in
            let result = await env.verify("Bearer abc")
            guard case .failure(let error) = result else {
                Issue.record("garbage passed")
                return
            }
            let challenge = try #require(env.portcullis.wwwAuthenticate(for: error))
            #expect(challenge.contains("error=\"invalid_token\""))
            #expect(challenge.contains("error_description=\""))
            #expect(error.status == 401)
        }
    }
}

@Suite("Keys")
struct KeyTests {
    @Test func unknownKidTriggersOneRefetchAndPassesAfterRotation() async throws {
        try await withGuard { env in
            let rotated = try await SigningKey.es256("ec-2")
            let token = try env.bearer(with: rotated)
            let before = env.fake.count("jwks")
            // Not yet published: one refetch, still unknown.
            expectInvalidToken(await env.verify(token))
            #expect(env.fake.count("jwks") == before + 1)
            env.fake.publish(rotated)
            // The next refetch is rate-limited (10 s by default)...
            expectInvalidToken(await env.verify(token))
            #expect(env.fake.count("jwks") == before + 1)
        }
        try await withGuard({ $0.unknownKeyRefetchInterval = .zero }) { env in
            let rotated = try await SigningKey.es256("ec-3")
            env.fake.publish(rotated)
            let before = env.fake.count("jwks")
            let principal = try await env.verify(try env.bearer(with: rotated)).get()
            #expect(principal.subject == "user_1")
            #expect(env.fake.count("jwks") == before + 1)
            // Now known: no further fetch.
            _ = try await env.verify(try env.bearer(with: rotated)).get()
            #expect(env.fake.count("jwks") == before + 1)
        }
    }

    @Test func repeatedUnknownKidsAreRateLimited() async throws {
        try await withGuard({ $0.unknownKeyRefetchInterval = .seconds(3600) }) { env in
            let before = env.fake.count("jwks")
            for i in 0..<20 {
                let madeUp = try env.bearer(header: { $0["kid"] = "made-up-\(i)" })
                expectInvalidToken(await env.verify(madeUp))
            }
            #expect(env.fake.count("jwks") == before + 1)
            // Known keys are unaffected.
            #expect((try? await env.verify(try env.bearer()).get()) != nil)
        }
    }

    @Test func serverDownAfterKeysLoadedStillVerifies() async throws {
        try await withGuard({
            $0.keyRefreshInterval = .milliseconds(50)
            $0.unknownKeyRefetchInterval = .zero
        }) { env in
            env.fake.state.withLock { $0.down = true }
            let before = env.fake.count("metadata")
            #expect(await eventually { env.fake.count("metadata") >= before + 3 }, "the guard did not retry while the server was down")
            #expect(env.portcullis.knownKeyIDs == ["rsa-1", "ec-1"])
            #expect((try? await env.verify(try env.bearer()).get()) != nil)
            #expect((try? await env.verify(try env.bearer(with: env.ec)).get()) != nil)
            // An unknown kid while down is still refused, and the known keys stay.
            expectInvalidToken(await env.verify(try env.bearer(header: { $0["kid"] = "new" })))
            #expect((try? await env.verify(try env.bearer()).get()) != nil)
        }
    }

    @Test func retiredKeyStopsVerifying() async throws {
        try await withGuard({ $0.keyRefreshInterval = .milliseconds(50) }) { env in
            env.fake.state.withLock { $0.published.removeAll { $0.kid == "rsa-1" } }
            #expect(await eventually { !env.portcullis.knownKeyIDs.contains("rsa-1") })
            expectInvalidToken(await env.verify(try env.bearer()))
            #expect((try? await env.verify(try env.bearer(with: env.ec)).get()) != nil)
        }
    }

    // The guard checks a token's signature once and keeps the result; these hold the cache to the same rules.

    @Test func aTokenVerifiedBeforeIsRefusedOnceItsKeyIsRetired() async throws {
        try await withGuard({ $0.keyRefreshInterval = .milliseconds(50) }) { env in
            let token = try env.bearer()
            #expect((try? await env.verify(token).get()) != nil)
            env.fake.state.withLock { $0.published.removeAll { $0.kid == "rsa-1" } }
            #expect(await eventually { !env.portcullis.knownKeyIDs.contains("rsa-1") })
            expectInvalidToken(await env.verify(token))
        }
    }

    @Test func aTokenVerifiedBeforeIsRefusedOnceItExpires() async throws {
        try await withGuard({ $0.leeway = .zero }) { env in
            let token = try env.bearer { $0["exp"] = env.now + 2 }
            #expect((try? await env.verify(token).get()) != nil)
            #expect(await eventually(10) { if case .failure(.invalidToken) = await env.verify(token) { true } else { false } })
        }
    }

    @Test func aTokenVerifiedBeforeIsRefusedOnceRevoked() async throws {
        try await withGuard(credentials: true) { env in
            let token = try env.bearer { $0["jti"] = "cached-jti" }
            #expect((try? await env.verify(token).get()) != nil)
            env.fake.revoke("token", "cached-jti")
            #expect(await eventually { if case .failure(.invalidToken) = await env.verify(token) { true } else { false } })
        }
    }

    // The cache is keyed by the whole Authorization value; a value that merely contains a verified one is parsed anew.
    @Test func aVerifiedValueVouchesForNothingButItself() async throws {
        try await withGuard { env in
            let header = try env.bearer()
            #expect((try? await env.verify(header).get()) != nil)
            for variant in [header + " x", header.replacingOccurrences(of: "Bearer ", with: "Bearer  "), header + ",", "x" + header] {
                switch await env.verify(variant) {
                case .failure(.invalidRequest), .failure(.missingToken): break
                case let other: Issue.record("\(variant.prefix(12))…: \(other)")
                }
            }
            guard case .failure(.insufficientScope) = await env.verify(header, scopes: ["delete:orders"]) else {
                Issue.record("a cached token's scopes are still checked")
                return
            }
        }
    }

    @Test func metadataWithAnotherIssuerIsNotUsed() async throws {
        let (rsa, _) = try await sharedKeys.value
        try await withFakeServer { fake in
            fake.publish(rsa)
            fake.state.withLock { $0.metadataIssuer = "http://evil.example" }
            let portcullis = try PortcullisGuard(
                configuration: GuardConfiguration(
                    issuer: fake.issuer, resource: testResource, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await portcullis.run() }
                defer { portcullis.shutdown() }
                #expect(await eventually { fake.count("metadata") >= 2 })
                #expect(fake.count("jwks") == 0)
                #expect(!portcullis.isReady)
                let env = Environment(fake: fake, portcullis: portcullis, rsa: rsa, ec: rsa)
                guard case .failure(.unavailable) = await env.verify(try env.bearer()) else {
                    Issue.record("a guard without keys must answer unavailable")
                    return
                }
            }
        }
    }

    @Test func unsafeConfigurationsAreRefused() throws {
        #expect(throws: GuardConfigurationError.self) {
            try PortcullisGuard(configuration: GuardConfiguration(issuer: "http://127.0.0.1:1", resource: testResource, allowedAlgorithms: ["none"]))
        }
        #expect(throws: GuardConfigurationError.self) {
            try PortcullisGuard(configuration: GuardConfiguration(issuer: "http://127.0.0.1:1", resource: testResource, allowedAlgorithms: ["HS256"]))
        }
        #expect(throws: GuardConfigurationError.self) {
            try PortcullisGuard(configuration: GuardConfiguration(issuer: "http://127.0.0.1:1", resource: testResource, clientID: "rs_x"))
        }
        #expect(throws: GuardConfigurationError.self) {
            try PortcullisGuard(configuration: GuardConfiguration(issuer: "http://127.0.0.1:1", resource: testResource, useIntrospection: true))
        }
        #expect(throws: GuardConfigurationError.self) {
            try PortcullisGuard(configuration: GuardConfiguration(issuer: "not a url", resource: testResource))
        }
    }

    @Test func guardRestrictedToES256RefusesRS256() async throws {
        try await withGuard({ $0.allowedAlgorithms = ["ES256"] }) { env in
            expectInvalidToken(await env.verify(try env.bearer()))
            #expect((try? await env.verify(try env.bearer(with: env.ec)).get()) != nil)
        }
    }
}
