import Crypto
import Foundation
import Synchronization

/// Signs and checks access tokens as compact JWS (RFC 7515 §7.1).
///
/// Checking needs no database: the signature against the key ring, then `iss`, `aud`, `nbf`, `exp`,
/// then the in-memory revocation list (DESIGN.md, tokens).
public struct AccessTokenCodec: Sendable {
    public let keys: KeyRing
    public let issuer: String
    /// Seconds of clock difference tolerated between instances for `nbf` (RFC 7519 §4.1.5).
    public let leeway: Int64
    /// Tokens whose signature and issuer have been checked here already.
    let verified: VerifiedTokens

    public init(keys: KeyRing, issuer: String, leeway: Int64 = 30, cacheCapacity: Int = 8192) {
        self.keys = keys
        self.issuer = issuer
        self.leeway = leeway
        self.verified = VerifiedTokens(capacity: cacheCapacity)
    }

    /// The audience of tokens for a workspace: the base URL of its REST API.
    public func audience(for workspace: Workspace) -> String { "\(issuer)/api/1.0/\(workspace.name)" }

    /// Signs `claims` with the active key.
    public func sign(_ claims: AccessTokenClaims) throws -> String {
        guard let key = keys.active else { throw OAuthError.serverError }
        let payload = claims.jsonPayload
        var input = Array(key.headerSegment.utf8)
        input.append(UInt8(ascii: "."))
        input.append(contentsOf: Base64URL.encode(payload).utf8)
        let signature = try key.sign(input)
        input.append(UInt8(ascii: "."))
        input.append(contentsOf: Base64URL.encode(signature).utf8)
        return String(decoding: input, as: UTF8.self)
    }

    /// Checks a bearer token's form, signature, issuer and dates, and returns its claims.
    /// Expired is reported only for tokens whose signature is good, so a forged token never learns more
    /// than "invalid". Revocation and audience are the caller's next checks.
    public func verify(_ token: String, now: Int64) throws(OAuthError) -> AccessTokenClaims {
        // A client sends the same token with every call until it expires. The signature and the payload never change,
        // so a token already checked is looked up by the SHA-256 of all of it (so no other byte string can match)
        // instead of being verified again; its dates are still checked every time, and revocation by the caller.
        let digest = SHA256.hash(data: Array(token.utf8))
        if let cached = verified.claims(for: digest), keys.key(kid: cached.kid) != nil {
            return try checkDates(cached.claims, now: now)
        }
        let (claims, kid) = try verifySignature(token)
        verified.insert(digest, claims: claims, kid: kid, now: now)
        return try checkDates(claims, now: now)
    }

    private func checkDates(_ claims: AccessTokenClaims, now: Int64) throws(OAuthError) -> AccessTokenClaims {
        if claims.notBefore > now + leeway { throw .invalidToken }
        if claims.expiresAt <= now { throw .expiredToken }
        return claims
    }

    /// The claims of a token whose form, header, signature and issuer are good, with the key it was signed by.
    private func verifySignature(_ token: String) throws(OAuthError) -> (AccessTokenClaims, kid: String) {
        let utf8 = Array(token.utf8)
        // Reject anything that is not three base64url segments, before any decoding work.
        guard utf8.count < 8192 else { throw .invalidToken }
        var dots: [Int] = []
        for (index, byte) in utf8.enumerated() {
            if byte == UInt8(ascii: ".") {
                dots.append(index)
            } else if !Self.isBase64URL(byte) {
                throw .invalidToken
            }
        }
        guard dots.count == 2 else { throw .invalidToken }
        let headerBytes = utf8[0..<dots[0]]
        let payloadBytes = utf8[(dots[0] + 1)..<dots[1]]
        let signatureBytes = utf8[(dots[1] + 1)...]

        guard let headerJSON = Base64URL.decode(bytes: headerBytes),
            let header = try? JSONDecoder().decode(Header.self, from: Data(headerJSON)),
            // RFC 9068 §4: the type is checked so other JWTs signed by the same keys are never accepted.
            header.typ.lowercased() == "at+jwt" || header.typ.lowercased() == "application/at+jwt",
            let key = keys.key(kid: header.kid),
            // RFC 8725 §3.1: the algorithm comes from the key, never from the token.
            header.alg == key.algorithm.rawValue,
            let signature = Base64URL.decode(bytes: signatureBytes),
            key.verify(signature: signature, input: Array(utf8[0..<dots[1]])),
            let payloadJSON = Base64URL.decode(bytes: payloadBytes),
            let claims = try? JSONDecoder().decode(AccessTokenClaims.self, from: Data(payloadJSON)),
            claims.issuer == issuer
        else { throw .invalidToken }
        return (claims, key.kid)
    }

    private struct Header: Decodable {
        let alg: String
        let kid: String
        let typ: String
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}

/// Tokens already verified, by the SHA-256 of the whole token: bounded, and dropping expired entries when full.
final class VerifiedTokens: Sendable {
    struct Entry: Sendable {
        let claims: AccessTokenClaims
        let kid: String
    }
    private let entries = Mutex<[SHA256Digest: Entry]>([:])
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func claims(for digest: SHA256Digest) -> Entry? {
        entries.withLock { $0[digest] }
    }

    func insert(_ digest: SHA256Digest, claims: AccessTokenClaims, kid: String, now: Int64) {
        guard capacity > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.claims.expiresAt > now }
                // Still full of live tokens: start over rather than keep an ordering; a miss costs one verification.
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[digest] = Entry(claims: claims, kid: kid)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
