import Foundation
import JWTKit

/// One key of the JWKS, ready to check signatures with, and the one algorithm it may be used with.
struct VerificationKey: Sendable {
    var algorithm: String
    var verifier: any JWTAlgorithm
}

/// A JWK as read from the server's JWKS (RFC 7517 §4). Only string members are read, and unknown members are ignored,
/// so a key with extra members (`key_ops`, `x5c`, …) does not spoil the whole set.
struct PublishedKey: Decodable {
    var kty: String?
    var kid: String?
    var alg: String?
    var use: String?
    var n: String?
    var e: String?
    var crv: String?
    var x: String?
    var y: String?
}

struct PublishedKeySet: Decodable {
    var keys: [PublishedKey]
}

enum KeyLoader {
    /// Turns a JWKS into verifiers by `kid`. A key that cannot be used (no `kid`, encryption-only, an unsupported type,
    /// an `alg` other than the one its type implies, a bad modulus, …) is skipped and reported in `skipped`.
    static func load(_ set: PublishedKeySet) async -> (keys: [String: VerificationKey], skipped: [String]) {
        var keys: [String: VerificationKey] = [:]
        var skipped: [String] = []
        for jwk in set.keys {
            guard let kid = jwk.kid, !kid.isEmpty else {
                skipped.append("a key without kid")
                continue
            }
            if let use = jwk.use, use != "sig" {
                skipped.append("\(kid): use is not sig")
                continue
            }
            do {
                keys[kid] = try await verificationKey(jwk, kid: kid)
            } catch {
                skipped.append("\(kid): \(error)")
            }
        }
        return (keys, skipped)
    }

    private struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    private static func verificationKey(_ jwk: PublishedKey, kid: String) async throws -> VerificationKey {
        let collection = JWTKeyCollection()
        let identifier = JWKIdentifier(string: kid)
        let algorithm: String
        switch jwk.kty {
        case "RSA":
            algorithm = "RS256"
            guard let n = jwk.n, let e = jwk.e else { throw Unusable(description: "RSA key without n or e") }
            // jwt-kit refuses moduli under 2048 bits.
            let key = try Insecure.RSA.PublicKey(modulus: n, exponent: e)
            await collection.add(rsa: key, digestAlgorithm: .sha256, kid: identifier)
        case "EC":
            algorithm = "ES256"
            guard jwk.crv == "P-256", let x = jwk.x, let y = jwk.y else { throw Unusable(description: "EC key not on P-256") }
            let key = try ES256PublicKey(parameters: (x: x, y: y))
            await collection.add(ecdsa: key, kid: identifier)
        default:
            throw Unusable(description: "unsupported kty")
        }
        // A key bound to one algorithm (RFC 7517 §4.4) must be bound to the one its type gives; the guard never lets a
        // token's header choose how a key is used.
        if let alg = jwk.alg, alg != algorithm { throw Unusable(description: "alg \(alg) does not fit kty") }
        let verifier = try await collection.getKey(for: identifier)
        return VerificationKey(algorithm: algorithm, verifier: verifier)
    }
}
