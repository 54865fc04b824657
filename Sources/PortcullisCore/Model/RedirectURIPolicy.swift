import Foundation

/// The rules for redirect URIs: registration and matching.
public enum RedirectURIPolicy {
    /// The longest redirect URI accepted.
    public static let maximumLength = 2000

    /// Why a redirect URI cannot be registered; nil when it can.
    public static func problem(with uri: String) -> String? {
        if uri.count > maximumLength { return "must be at most \(maximumLength) characters" }
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return "must be an absolute URL" }
        // RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component."
        if components.fragment != nil || uri.contains("#") { return "must not contain a fragment (#)" }
        switch scheme {
        case "https": return nil
        case "http":
            if isLoopbackIP(host) { return nil }
            if host.lowercased() == "localhost" {
                return "must use the loopback address http://127.0.0.1 or http://[::1] instead of localhost (RFC 8252 §8.3)"
            }
            return "must use https, or http on the loopback address 127.0.0.1 or [::1]"
        default:
            return "must use https, or http on the loopback address 127.0.0.1 or [::1]"
        }
    }

    /// RFC 8252 §7.3: loopback redirects are matched without their port, because native apps take a free
    /// port at run time. Only the IP literals count; `localhost` is not accepted.
    static func isLoopbackIP(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "[::1]" || host == "::1"
    }

    /// Whether `presented` matches `registered`: exact string comparison (RFC 9700 §4.1.3), except that the
    /// port of a loopback http URI may differ (RFC 8252 §7.3).
    public static func matches(_ presented: String, registered: String) -> Bool {
        if presented == registered { return true }
        guard let p = URLComponents(string: presented), let r = URLComponents(string: registered),
            p.scheme == "http", r.scheme == "http", let host = r.host, isLoopbackIP(host), p.host == host
        else { return false }
        return p.percentEncodedPath == r.percentEncodedPath && p.percentEncodedQuery == r.percentEncodedQuery
            && p.user == nil && p.password == nil && p.fragment == nil && r.user == nil
    }

    /// The registered URI a request's redirect resolves to, if any.
    public static func resolve(_ presented: String?, registered: [String]) -> String? {
        guard let presented else { return registered.count == 1 ? registered[0] : nil }
        return registered.contains(where: { matches(presented, registered: $0) }) ? presented : nil
    }
}
