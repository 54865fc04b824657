import Crypto
import Foundation

/// Random values from the operating system's CSPRNG (`getrandom` on Linux).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        // Eight bytes per draw: each draw is a getrandom system call, so one per byte cost 32 calls per refresh token.
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count { withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) } }
        return Array(bytes.prefix(count))
    }

    /// `count` characters drawn uniformly from `alphabet` (rejection-free: the alphabet is small).
    public static func string(_ count: Int, alphabet: String) -> String {
        let characters = Array(alphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in characters[Int.random(in: 0..<characters.count, using: &generator)] })
    }
}

/// The kinds of opaque secret Portcullis issues. Each has a readable prefix so a leaked one can be
/// found by a secret scanner (DESIGN.md, tokens), and carries 256 random bits.
public enum OpaqueSecretKind: String, Sendable, CaseIterable {
    case refreshToken = "pcl_rt_"
    case authorizationCode = "pcl_ac_"
    case clientSecret = "pcl_cs_"
    case sessionID = "pcl_ss_"
    case csrfToken = "pcl_xs_"
}

/// An opaque secret: generated here, handed out once, stored only as its SHA-256 (or keyed) hash.
public enum OpaqueSecret {
    /// A new secret of this kind: the prefix, then 32 random bytes in base64url (43 characters).
    public static func generate(_ kind: OpaqueSecretKind) -> String {
        kind.rawValue + Base64URL.encode(SecureRandom.bytes(32))
    }

    /// Whether `value` looks like a secret of this kind; a cheap filter before any database work.
    public static func hasShape(_ value: String, of kind: OpaqueSecretKind) -> Bool {
        value.hasPrefix(kind.rawValue) && value.utf8.count == kind.rawValue.utf8.count + 43
    }

    /// The SHA-256 of the secret, hex: what the database keeps for refresh tokens and codes.
    /// A plain hash is enough because the secret has 256 random bits; nobody can guess one.
    public static func hash(_ value: String) -> String {
        Hex.encode(SHA256.hash(data: Data(value.utf8)))
    }
}

/// Lower-case hexadecimal.
public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// Comparison whose time does not depend on where two secrets differ.
public enum ConstantTime {
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }

    public static func equals(_ lhs: String, _ rhs: String) -> Bool { equals(Array(lhs.utf8), Array(rhs.utf8)) }
}
