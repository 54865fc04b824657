import Foundation
import Testing

@testable import PortcullisCore

@Suite("Access token format")
struct AccessTokenCodecTests {
    static func codec(_ algorithm: SigningAlgorithm = .rs256) async throws -> AccessTokenCodec {
        let ring = KeyRing()
        let key = try await SigningKeyMaterial.generate(algorithm).load()
        ring.install(active: key, published: [key], version: "1")
        return AccessTokenCodec(keys: ring, issuer: "https://auth.example")
    }

    static func claims(now: Int64 = 1_800_000_000, lifetime: Int64 = 3600) -> AccessTokenClaims {
        AccessTokenClaims(
            issuer: "https://auth.example", subject: "1", audience: ["https://auth.example/api/1.0/workflow"], clientID: "CLIENT",
            scope: ScopeSet([.viewProcesses, .editProcesses]), tokenID: "jti-1", grantID: "5", issuedAt: now,
            expiresAt: now + lifetime)
    }

    static func segments(_ token: String) -> [String] { token.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }

    static func json(_ segment: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(Base64URL.decode(segment) ?? [])) as? [String: Any] ?? [:]
    }

    @Test("Signed tokens verify, with RFC 9068's header and integer dates", arguments: SigningAlgorithm.allCases)
    func roundTrip(_ algorithm: SigningAlgorithm) async throws {
        let codec = try await Self.codec(algorithm)
        let token = try codec.sign(Self.claims())
        let parts = Self.segments(token)
        #expect(parts.count == 3)
        let header = try Self.json(parts[0])
        #expect(header["typ"] as? String == "at+jwt")
        #expect(header["alg"] as? String == algorithm.rawValue)
        #expect(header["kid"] as? String == codec.keys.active?.kid)
        let payload = try Self.json(parts[1])
        #expect(payload["exp"] is Int && payload["iat"] is Int && payload["nbf"] is Int)
        #expect(payload["scopes"] as? [String] == ["edit_processes", "view_processes"])
        #expect(payload["scope"] as? String == "edit_processes view_processes")
        for claim in ["iss", "sub", "aud", "client_id", "jti", "gid"] { #expect(payload[claim] != nil, "missing \(claim)") }
        #expect(try codec.verify(token, now: 1_800_000_100) == Self.claims())
    }

    @Test(
        "The payload written without JSONEncoder decodes to the same claims: optional members, several audiences, text that needs escapes"
    )
    func payloadWriter() throws {
        var full = Self.claims()
        full.audience = ["https://orders.example.com/", "https://billing.example.com/"]
        full.personalTokenID = "pat-1"
        full.personalTokenAncestors = ["jti-0", "jti-00"]
        full.userVersion = 3
        full.workspace = "café \"quoted\" \\ back/slash\n\u{1F}tab\t 🦊"
        full.scope = "read:orders write:orders"
        full.scopes = ["read:orders", "write:orders"]
        for claims in [Self.claims(), full] {
            let written = claims.jsonPayload
            #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: Data(written)) == claims)
            // RFC 7519 §4.1.3: one audience as a string, several as an array.
            let object = try #require(try JSONSerialization.jsonObject(with: Data(written)) as? [String: Any])
            if claims.audience.count == 1 {
                #expect(object["aud"] as? String == claims.audience[0])
            } else {
                #expect(object["aud"] as? [String] == claims.audience)
            }
            #expect(object["scopes"] as? [String] == claims.scopes && object["exp"] as? Int == Int(claims.expiresAt))
        }
        #expect(full.scopeSet.scopes == [Scope(rawValue: "read:orders"), Scope(rawValue: "write:orders")])
    }

    @Test("Expired tokens say so; tokens from the future are invalid")
    func dates() async throws {
        let codec = try await Self.codec()
        let token = try codec.sign(Self.claims(lifetime: 60))
        #expect(throws: OAuthError.expiredToken) { try codec.verify(token, now: 1_800_000_060) }
        #expect(throws: OAuthError.invalidToken) { try codec.verify(token, now: 1_800_000_000 - 120) }
    }

    @Test("A token verified once is remembered, but its dates are checked every time and only the very same token matches")
    func verifiedCache() async throws {
        let codec = try await Self.codec()
        let token = try codec.sign(Self.claims(lifetime: 60))
        #expect(try codec.verify(token, now: 1_800_000_010) == Self.claims(lifetime: 60))
        #expect(codec.verified.count == 1)
        #expect(throws: OAuthError.expiredToken) { try codec.verify(token, now: 1_800_000_060) }
        #expect(throws: OAuthError.invalidToken) { try codec.verify(token, now: 1_800_000_000 - 120) }
        // Any other bytes are verified afresh: a changed payload with the remembered signature is refused.
        let parts = Self.segments(token)
        var payload = try Self.json(parts[1])
        payload["sub"] = "2"
        let forged = parts[0] + "." + Base64URL.encode(try JSONSerialization.data(withJSONObject: payload)) + "." + parts[2]
        #expect(throws: OAuthError.invalidToken) { try codec.verify(forged, now: 1_800_000_010) }
        #expect(throws: OAuthError.invalidToken) { try codec.verify(token + " ", now: 1_800_000_010) }
        // A key that leaves the ring takes its remembered tokens with it.
        let other = try await SigningKeyMaterial.generate(.rs256).load()
        codec.keys.install(active: other, published: [other], version: "2")
        #expect(throws: OAuthError.invalidToken) { try codec.verify(token, now: 1_800_000_010) }
    }

    @Test("The cache of verified tokens stays within its capacity")
    func verifiedCacheBound() async throws {
        let ring = try await Self.codec().keys
        let codec = AccessTokenCodec(keys: ring, issuer: "https://auth.example", cacheCapacity: 4)
        for index in 0..<10 {
            var claims = Self.claims()
            claims.tokenID = "jti-\(index)"
            _ = try codec.verify(try codec.sign(claims), now: 1_800_000_010)
            #expect(codec.verified.count <= 4)
        }
    }

    @Test("Tampering, alg none, a wrong typ, an unknown kid and a foreign issuer are all invalid")
    func attacks() async throws {
        let codec = try await Self.codec()
        let token = try codec.sign(Self.claims())
        let parts = Self.segments(token)
        var payload = try Self.json(parts[1])
        payload["sub"] = "2"
        let forgedPayload = Base64URL.encode(try JSONSerialization.data(withJSONObject: payload))
        let kid = codec.keys.active!.kid
        func header(_ object: [String: String]) throws -> String { Base64URL.encode(try JSONSerialization.data(withJSONObject: object)) }
        let cases = [
            "\(parts[0]).\(forgedPayload).\(parts[2])",
            "\(try header(["alg": "none", "kid": kid, "typ": "at+jwt"])).\(parts[1]).",
            "\(try header(["alg": "HS256", "kid": kid, "typ": "at+jwt"])).\(parts[1]).\(parts[2])",
            "\(try header(["alg": "RS256", "kid": kid, "typ": "JWT"])).\(parts[1]).\(parts[2])",
            "\(try header(["alg": "RS256", "kid": "other", "typ": "at+jwt"])).\(parts[1]).\(parts[2])",
            "\(parts[0]).\(parts[1])", "garbage", "", "a.b.c", "\(token)x", token + ".",
        ]
        for forged in cases {
            #expect(throws: OAuthError.invalidToken, "accepted: \(forged.prefix(60))") { try codec.verify(forged, now: 1_800_000_100) }
        }
        var foreign = Self.claims()
        foreign.issuer = "https://evil.example"
        let foreignToken = try codec.sign(foreign)
        #expect(throws: OAuthError.invalidToken) { try codec.verify(foreignToken, now: 1_800_000_100) }
    }

    @Test("A token signed by a key the ring no longer publishes is invalid")
    func retiredKeys() async throws {
        let codec = try await Self.codec()
        let token = try codec.sign(Self.claims())
        let newKey = try await SigningKeyMaterial.generate(.es256).load()
        codec.keys.install(active: newKey, published: [newKey], version: "2")
        #expect(throws: OAuthError.invalidToken) { try codec.verify(token, now: 1_800_000_100) }
    }
}
