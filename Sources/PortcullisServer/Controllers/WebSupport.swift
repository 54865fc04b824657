import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth
import PortcullisCore
import PortcullisStore

extension Portcullis {
    /// The session middleware, configured as DESIGN.md asks: HttpOnly, SameSite=Lax, Secure under https, idle
    /// expiry, stored in the database.
    var sessionMiddleware: SessionMiddleware<AppRequestContext> {
        SessionMiddleware(
            storage: SessionPersistDriver(sessions: store.sessions, clock: clock.now),
            configuration: .init(
                sessionCookieParameters: .init(name: sessionCookieName, path: "/", secure: servesHTTPS, sameSite: .lax),
                keyPrefix: WebSessionCookie.keyPrefix, defaultSessionExpiration: .seconds(configuration.sessionIdleTimeout)))
    }
}

enum WebSessionCookie {
    static let keyPrefix = "pcl."
}

extension Portcullis {
    var servesHTTPS: Bool { configuration.resolvedIssuer.hasPrefix("https://") }

    /// Under https the cookies take the `__Host-` prefix: the browser then refuses them unless Secure, for "/" and
    /// without a Domain, so a sibling subdomain cannot plant or overwrite them (cookie tossing).
    var sessionCookieName: String { servesHTTPS ? "__Host-portcullis_session" : "portcullis_session" }
    var loginCookieName: String { servesHTTPS ? "__Host-portcullis_login" : "portcullis_login" }
}

/// CSRF protection for the login form, which has no session yet: a random cookie and, in the form, its HMAC
/// under the server key. A forged form cannot carry the HMAC of the victim's cookie.
struct LoginCSRF {
    let key: SymmetricKey

    func field(for cookie: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("login-csrf:\(cookie)".utf8), using: key))
    }

    func verify(cookie: String?, field: String?) -> Bool {
        guard let cookie, let field, !cookie.isEmpty else { return false }
        return ConstantTime.equals(self.field(for: cookie), field)
    }
}

/// The authorization response's redirect (RFC 6749 §4.1.2, §4.2.2), with `iss` (RFC 9207).
enum AuthorizationRedirect {
    /// application/x-www-form-urlencoded, as RFC 6749 §4.1.2 asks: spaces become `+`.
    static func encode(_ parameters: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~ ")
        return parameters.map { name, value in
            let encoded = (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: " ", with: "+")
            return "\(name)=\(encoded)"
        }.joined(separator: "&")
    }

    static func location(_ redirectURI: String, fragment: Bool, _ parameters: [(String, String)]) -> String {
        if fragment { return redirectURI + "#" + encode(parameters) }
        return redirectURI + (redirectURI.contains("?") ? "&" : "?") + encode(parameters)
    }

    static func error(_ error: OAuthError, to redirectURI: String, state: String?, fragment: Bool, issuer: String) -> String {
        var parameters = [("error", error.code), ("error_description", error.description)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer))
        return location(redirectURI, fragment: fragment, parameters)
    }
}

extension Request {
    /// The query's parameters, and the names that appeared more than once. `resource` may appear several times
    /// (RFC 8707 §2); its values are joined with spaces.
    var queryWithRepeats: (parameters: [String: String], repeated: Set<String>) {
        var parameters: [String: String] = [:]
        var repeated: Set<String> = []
        for (name, value) in uri.queryParameters {
            let key = String(name)
            if key == RequestParameters.repeatableName, let earlier = parameters[key] {
                // A value holding the separator would split into two; it is refused by the resource check instead.
                parameters[key] = value.contains(TokenTarget.separator) ? "\u{0}" : earlier + String(TokenTarget.separator) + String(value)
                continue
            }
            if parameters[key] != nil { repeated.insert(key) }
            parameters[key] = String(value)
        }
        return (parameters, repeated)
    }

    /// The path and query, for a return target.
    var pathAndQuery: String {
        uri.query.map { "\(uri.path)?\($0)" } ?? uri.path
    }
}
