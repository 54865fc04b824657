import Crypto
import Foundation
import PortcullisCore

/// OWASP's device cookie (Authentication Cheat Sheet, "Device Cookies"): a browser that signed in to an account gets
/// a cookie bound to that account, MACed under the server key, and its later sign-ins to the same account skip the
/// per-username slow-down (the per-address and per-(username, address) hard limits still hold). An attacker
/// spraying the account from elsewhere has no such cookie, and a cookie of another account, an altered one or an
/// expired one is worth nothing.
///
/// Value: `v2.<issued at>.<nonce>.<HMAC-SHA256 of (issued at, nonce, binding), base64url>`. The binding itself (which
/// workspace and account) is not in the cookie: whoever reads the browser's cookie store learns nothing about which
/// accounts signed in from it. At sign-in the typed username's binding is recomputed and the MAC compared in constant
/// time, so a cookie only vouches for the account it was issued for.
struct DeviceCookie {
    let key: SymmetricKey
    /// Half a year: the browser keeps the exemption as long as people keep browsers, and stops after.
    static let lifetime: Int64 = 180 * 86400

    func issue(binding: String, now: Int64) -> String {
        let payload = "v2.\(now).\(Base64URL.encode(SecureRandom.bytes(16)))"
        return payload + "." + mac(payload, binding: binding)
    }

    /// Whether `value` is a genuine, unexpired cookie issued for `binding`.
    func vouches(_ value: String?, for binding: String, now: Int64) -> Bool {
        guard let value, value.utf8.count <= 1024 else { return false }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v2", let issuedAt = Int64(parts[1]) else { return false }
        let payload = parts[0...2].joined(separator: ".")
        return ConstantTime.equals(mac(payload, binding: binding), String(parts[3])) && issuedAt <= now + 60
            && now - issuedAt < Self.lifetime
    }

    private func mac(_ payload: String, binding: String) -> String {
        Base64URL.encode(
            Array(HMAC<SHA256>.authenticationCode(for: Data("device-cookie:\(payload):\(binding)".utf8), using: key)))
    }
}

extension Portcullis {
    /// Under https with the `__Host-` prefix, like the session cookie (see `sessionCookieName`).
    var deviceCookieName: String { servesHTTPS ? "__Host-portcullis_device" : "portcullis_device" }
    var deviceCookie: DeviceCookie { DeviceCookie(key: serverKey.internalMACKey) }
}
