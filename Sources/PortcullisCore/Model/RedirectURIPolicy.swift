import Foundation

/// The rules for redirect URIs: registration and matching.
public enum RedirectURIPolicy {
    /// The longest redirect URI accepted.
    public static let maximumLength = 2000

    /// Why a redirect URI cannot be registered; nil when it can.
    public static func problem(with uri: String) -> String? {
        if uri.utf8.count > maximumLength { return "must be at most \(maximumLength) characters" }
        // A CR or LF would split a Location header; other controls hide in logs and pages (RFC 3986 §2 has none).
        if uri.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }) {
            return "must not contain control characters (such as CR or LF)"
        }
        // RFC 3986 §2: a URI is ASCII. Raw non-ASCII (an IRI) is refused, so what is registered is exactly the bytes a
        // client sends; it must be percent-encoded (§2.1). Matching compares bytes either way.
        if !uri.unicodeScalars.allSatisfy({ $0.isASCII }) { return "must be ASCII; percent-encode other characters (RFC 3986 §2.1)" }
        if uri.contains(" ") { return "must not contain spaces; percent-encode them as %20" }
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return "must be an absolute URL" }
        // RFC 9700 §4.1.1 and RFC 3986 §3.2.1: credentials in a URI are deprecated, and `https://trusted@evil.example`
        // reads as one host while going to another.
        if components.user != nil || components.password != nil || authority(of: uri).contains("@") {
            return "must not contain a user name or password (user:password@)"
        }
        if !hasValidPort(uri) { return "must have a port from 1 to 65535, written without leading zeros" }
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
    /// port of a loopback http URI may differ (RFC 8252 §7.3). "Exact" is RFC 3986 §6.2.1 simple string comparison:
    /// the UTF-8 bytes, never Swift's `String ==`, which calls canonically equivalent strings equal (with
    /// `https://c.example/Kb` registered, `https://c.example/\u{212A}b`, KELVIN SIGN, would match).
    public static func matches(_ presented: String, registered: String) -> Bool {
        if sameBytes(presented, registered) { return true }
        guard let p = URLComponents(string: presented), let r = URLComponents(string: registered),
            let ps = p.scheme, let rs = r.scheme, sameBytes(ps, "http"), sameBytes(rs, "http"), let host = r.host, isLoopbackIP(host),
            let presentedHost = p.host, sameBytes(presentedHost, host), hasValidPort(presented)
        else { return false }
        return sameBytes(p.percentEncodedPath, r.percentEncodedPath) && sameBytes(p.percentEncodedQuery, r.percentEncodedQuery)
            && p.user == nil && p.password == nil && p.fragment == nil && r.user == nil
    }

    /// RFC 3986 §6.2.1: strings are equal when their bytes are.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    static func sameBytes(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): sameBytes(a, b)
        default: false
        }
    }

    /// Whether the port, if the authority names one, is a real TCP port as a browser would write it: 1 to 65535, no
    /// leading zeros (`:99999`, `:0` and `:080` were accepted; no browser follows them, and `:080` is `:80` byte-unequal).
    static func hasValidPort(_ uri: String) -> Bool {
        let authority = authority(of: uri)
        let afterHost = authority.lastIndex(of: "]").map { authority[authority.index(after: $0)...] } ?? authority
        guard let colon = afterHost.lastIndex(of: ":") else { return true }
        let digits = afterHost[afterHost.index(after: colon)...]
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0",
            let port = Int(digits), (1...65535).contains(port)
        else { return false }
        return true
    }

    /// The authority of an absolute URI as written (RFC 3986 §3.2): after `//`, up to the first `/`, `?` or `#`.
    static func authority(of uri: String) -> Substring {
        guard let start = uri.range(of: "//")?.upperBound else { return "" }
        let rest = uri[start...]
        return rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex)]
    }

    /// The registered URI a request's redirect resolves to, if any.
    public static func resolve(_ presented: String?, registered: [String]) -> String? {
        guard let presented else { return registered.count == 1 ? registered[0] : nil }
        return registered.contains(where: { matches(presented, registered: $0) }) ? presented : nil
    }
}
