public import Crypto
import Foundation

/// The server's one secret (`PORTCULLIS_SECRET_KEY` or the key file): it keys the client-secret hashes and
/// encrypts the signing keys at rest. Purpose-specific keys are derived with HKDF (RFC 5869) so one use
/// can never be turned against another.
public struct ServerKey: Sendable {
    private let master: SymmetricKey

    /// From raw key material; at least 32 bytes are required.
    public init(material: [UInt8]) throws(ServerKeyError) {
        guard material.count >= 32 else { throw .tooShort }
        self.master = SymmetricKey(data: material)
    }

    /// From the text an operator configures: base64 or base64url of at least 32 bytes, or any string of
    /// at least 32 characters (used as bytes).
    public init(text: String) throws(ServerKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let decoded = Base64URL.decode(trimmed.replacingOccurrences(of: "=", with: "")), decoded.count >= 32 {
            try self.init(material: decoded)
        } else if trimmed.utf8.count >= 32 {
            try self.init(material: Array(trimmed.utf8))
        } else {
            throw .tooShort
        }
    }

    /// A fresh key, encoded as the text form that `init(text:)` reads.
    public static func generateText() -> String { Base64URL.encode(SecureRandom.bytes(32)) }

    private func derived(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, salt: Data("portcullis".utf8), info: Data(purpose.utf8), outputByteCount: 32)
    }

    /// The key for client-secret HMACs.
    public var clientSecretKey: SymmetricKey { derived("client-secret-hmac v1") }
    /// The key that seals signing keys at rest (AES-GCM).
    public var signingKeySealKey: SymmetricKey { derived("signing-key-seal v1") }
    /// The key for anything else the server signs for itself (CSRF tokens, throttling buckets).
    public var internalMACKey: SymmetricKey { derived("internal-mac v1") }
    /// The key that seals a one-time secret while it waits in a session to be shown.
    public var flashSealKey: SymmetricKey { derived("flash-seal v1") }
}

/// Why a configured server key was refused.
public enum ServerKeyError: Error, Sendable, CustomStringConvertible {
    case tooShort
    public var description: String {
        "the server key must be at least 32 bytes (base64) or 32 characters; generate one with `openssl rand -base64 32`"
    }
}

/// Client secrets are random and long, so they are kept as an HMAC-SHA256 under the server key,
/// not bcrypt: a slow hash would only cap client-credentials throughput (DESIGN.md, tokens).
public struct ClientSecretHasher: Sendable {
    /// The HMAC keyed once: copying it skips the key schedule on every check (4% of an introspection, issue 14).
    private let keyed: HMAC<SHA256>
    public init(serverKey: ServerKey) { self.keyed = HMAC<SHA256>(key: serverKey.clientSecretKey) }

    private func mac(_ secret: String) -> HashedAuthenticationCode<SHA256> {
        var mac = keyed
        mac.update(data: Array(secret.utf8))
        return mac.finalize()
    }

    public func hash(_ secret: String) -> String { Hex.encode(mac(secret)) }

    /// Constant-time check of `secret` against a stored hash.
    public func verify(_ secret: String, against storedHash: String) -> Bool {
        guard let stored = Hex.decode(storedHash) else { return false }
        return ConstantTime.equals(Array(mac(secret)), stored)
    }
}

/// Seals and opens signing keys' private halves with AES-256-GCM under the server key.
public struct KeySealer: Sendable {
    private let key: SymmetricKey
    public init(serverKey: ServerKey) { self.key = serverKey.signingKeySealKey }
    /// A sealer under another purpose-specific key.
    public init(key: SymmetricKey) { self.key = key }

    public func seal(_ plaintext: String, kid: String) throws -> String {
        // The kid is authenticated data: a sealed key cannot be swapped onto another row.
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(kid.utf8))
        guard let combined = box.combined else { throw SealError.cannotSeal }
        return combined.base64EncodedString()
    }

    public func open(_ sealed: String, kid: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw SealError.corrupt }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: Data(kid.utf8)), as: UTF8.self)
        } catch {
            throw SealError.wrongKey
        }
    }

    public enum SealError: Error, CustomStringConvertible {
        case cannotSeal, corrupt, wrongKey
        public var description: String {
            switch self {
            case .cannotSeal: "could not seal the signing key"
            case .corrupt: "a stored signing key is corrupt"
            case .wrongKey:
                "a stored signing key cannot be opened with this server key; instances sharing a database must share PORTCULLIS_SECRET_KEY"
            }
        }
    }
}
