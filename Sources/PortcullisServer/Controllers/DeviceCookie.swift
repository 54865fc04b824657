import Crypto
import Foundation
import PortcullisCore

/// OWASP's device cookie (Authentication Cheat Sheet, "Device Cookies"): a browser that signed in to an account gets
/// a cookie bound to that account, MACed under the server key, and its later sign-ins to the same account skip the
/// per-username slow-down (the per-address and per-(username, address) hard limits still hold). An attacker
/// spraying the account from elsewhere has no such cookie, and a cookie of another account, an altered one or an
/// expired one is worth nothing.
///
/// Value: `v1.<binding, base64url>.<issued at>.<nonce>.<HMAC-SHA256 hex>`. Nothing secret is in it: the binding is
/// the name the account is throttled under.
struct DeviceCookie {
    let key: SymmetricKey
    /// Half a year: the browser keeps the exemption as long as people keep browsers, and stops after.
    static let lifetime: Int64 = 180 * 86400

    func issue(binding: String, now: Int64) -> String {
        let payload = "v1.\(Base64URL.encode(Array(binding.utf8))).\(now).\(Base64URL.encode(SecureRandom.bytes(16)))"
        return payload + "." + mac(payload)
    }

    /// The binding of a genuine, unexpired cookie, or nil.
    func binding(of value: String?, now: Int64) -> String? {
        guard let value, value.utf8.count <= 1024 else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "v1" else { return nil }
        let payload = parts[0...3].joined(separator: ".")
        guard ConstantTime.equals(mac(payload), String(parts[4])), let issuedAt = Int64(parts[2]),
            issuedAt <= now + 60, now - issuedAt < Self.lifetime, let bytes = Base64URL.decode(parts[1])
        else { return nil }
        return String(bytes: bytes, encoding: .utf8)
    }

    private func mac(_ payload: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("device-cookie:\(payload)".utf8), using: key))
    }
}

extension Portcullis {
    /// Under https with the `__Host-` prefix, like the session cookie (see `sessionCookieName`).
    var deviceCookieName: String { servesHTTPS ? "__Host-portcullis_device" : "portcullis_device" }
    var deviceCookie: DeviceCookie { DeviceCookie(key: serverKey.internalMACKey) }
}
