import Crypto
import Foundation
import JWTKit
import _CryptoExtras

/// The JWS algorithms Portcullis signs access tokens with: RS256 by default, ES256 and EdDSA by configuration.
public enum SigningAlgorithm: String, Sendable, CaseIterable, Codable {
    case rs256 = "RS256"
    case es256 = "ES256"
    case edDSA = "EdDSA"

    /// Accepts the JOSE names and their lower-case spellings.
    public init?(name: String) {
        switch name.lowercased() {
        case "rs256": self = .rs256
        case "es256": self = .es256
        case "eddsa", "ed25519": self = .edDSA
        default: return nil
        }
    }
}

/// A signing key's private half in the text form the store seals: PEM for RSA and P-256,
/// base64 of the 32-byte seed for Ed25519.
public struct SigningKeyMaterial: Sendable {
    public let kid: String
    public let algorithm: SigningAlgorithm
    public let privateKey: String

    public init(kid: String, algorithm: SigningAlgorithm, privateKey: String) {
        self.kid = kid
        self.algorithm = algorithm
        self.privateKey = privateKey
    }

    /// A new key with a random kid.
    public static func generate(_ algorithm: SigningAlgorithm) throws -> SigningKeyMaterial {
        let kid = Base64URL.encode(SecureRandom.bytes(12))
        switch algorithm {
        case .rs256:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return .init(kid: kid, algorithm: algorithm, privateKey: key.pemRepresentation)
        case .es256:
            return .init(kid: kid, algorithm: algorithm, privateKey: P256.Signing.PrivateKey().pemRepresentation)
        case .edDSA:
            let key = Curve25519.Signing.PrivateKey()
            return .init(kid: kid, algorithm: algorithm, privateKey: key.rawRepresentation.base64EncodedString())
        }
    }

    /// Loads the key into jwt-kit once. The returned algorithm object is used directly on the hot path,
    /// without `JWTKeyCollection`'s actor, so signing runs in parallel on every core.
    public func load() async throws -> LoadedSigningKey {
        let collection = JWTKeyCollection()
        let identifier = JWKIdentifier(string: kid)
        var jwk: [String: String] = ["kid": kid, "use": "sig", "alg": algorithm.rawValue]
        var systemSigner: SystemRSASigner?
        switch algorithm {
        case .rs256:
            let key = try Insecure.RSA.PrivateKey(pem: privateKey)
            let primitives = try key.publicKey.getKeyPrimitives()
            jwk["kty"] = "RSA"
            jwk["n"] = Base64URL.encode(primitives.modulus)
            jwk["e"] = Base64URL.encode(primitives.publicExponent)
            await collection.add(rsa: key, digestAlgorithm: .sha256, kid: identifier)
            systemSigner = SystemRSASigner(pem: privateKey, environment: ProcessInfo.processInfo.environment)
        case .es256:
            let key = try ES256PrivateKey(pem: privateKey)
            // rawRepresentation of a P-256 public key is x ‖ y, 32 bytes each (RFC 7518 §6.2.1).
            let point = [UInt8](try P256.Signing.PrivateKey(pemRepresentation: privateKey).publicKey.rawRepresentation)
            jwk["kty"] = "EC"
            jwk["crv"] = "P-256"
            jwk["x"] = Base64URL.encode(point[0..<32])
            jwk["y"] = Base64URL.encode(point[32..<64])
            await collection.add(ecdsa: key, kid: identifier)
        case .edDSA:
            guard let seed = Data(base64Encoded: privateKey) else { throw KeyLoadError.corrupt(kid) }
            let backing = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            jwk["kty"] = "OKP"
            jwk["crv"] = "Ed25519"
            jwk["x"] = Base64URL.encode(backing.publicKey.rawRepresentation)
            await collection.add(eddsa: EdDSA.PrivateKey(backing: backing), kid: identifier)
        }
        let signer = try await collection.getKey(for: identifier)
        return LoadedSigningKey(kid: kid, algorithm: algorithm, signer: signer, systemSigner: systemSigner, publicJWK: jwk)
    }

    public enum KeyLoadError: Error, CustomStringConvertible {
        case corrupt(String)
        public var description: String {
            switch self {
            case .corrupt(let kid): "signing key \(kid) is corrupt"
            }
        }
    }
}

/// A signing key ready for use: jwt-kit's algorithm object, the precomputed JWS header, the public JWK.
public struct LoadedSigningKey: Sendable {
    public let kid: String
    public let algorithm: SigningAlgorithm
    let signer: any JWTAlgorithm
    /// RS256 through the system's OpenSSL, when it is there; `signer` otherwise.
    let systemSigner: SystemRSASigner?
    /// The public half as a JWK (RFC 7517), for the JWKS document.
    public let publicJWK: [String: String]
    /// base64url of `{"alg":…,"kid":…,"typ":"at+jwt"}`, computed once.
    let headerSegment: String

    init(kid: String, algorithm: SigningAlgorithm, signer: any JWTAlgorithm, systemSigner: SystemRSASigner? = nil, publicJWK: [String: String]) {
        self.kid = kid
        self.algorithm = algorithm
        self.signer = signer
        self.systemSigner = systemSigner
        self.publicJWK = publicJWK
        // RFC 9068 §2.1: access tokens carry `typ: at+jwt`, so they cannot be confused with ID tokens.
        let header = "{\"alg\":\"\(algorithm.rawValue)\",\"kid\":\"\(kid)\",\"typ\":\"at+jwt\"}"
        self.headerSegment = Base64URL.encode(Array(header.utf8))
    }

    func sign(_ input: [UInt8]) throws -> [UInt8] {
        if let systemSigner { return try systemSigner.sign(input) }
        return try signer.sign(input)
    }

    /// Whether RS256 signing goes through the system's OpenSSL (for the startup log and the tests).
    public var signsWithSystemOpenSSL: Bool { systemSigner != nil }

    func verify(signature: [UInt8], input: [UInt8]) -> Bool {
        (try? signer.verify(signature, signs: input)) ?? false
    }
}
