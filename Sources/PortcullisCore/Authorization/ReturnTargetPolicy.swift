import Foundation

/// Where the login page may send the browser afterwards: only a path on this server. Anything else (another
/// host, a scheme, `//host`, a backslash trick) is dropped, never followed: no open redirect (RFC 9700 §4.11).
public enum ReturnTargetPolicy {
    /// The safe path-and-query for `target`, or nil. Absolute URLs are accepted only on the issuer's own origin
    /// (ProcessMaker 3's login page receives the full authorize URL in `u`).
    public static func safePath(_ target: String?, issuer: String) -> String? {
        guard var target, !target.isEmpty, target.count <= 4096 else { return nil }
        if target.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" }) { return nil }
        if !target.hasPrefix("/") {
            guard let url = URLComponents(string: target), let issuerURL = URLComponents(string: issuer),
                url.scheme?.lowercased() == issuerURL.scheme?.lowercased(), url.host?.lowercased() == issuerURL.host?.lowercased(),
                (url.port ?? defaultPort(url.scheme)) == (issuerURL.port ?? defaultPort(issuerURL.scheme)), url.user == nil,
                url.password == nil
            else { return nil }
            target = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath
            if let query = url.percentEncodedQuery { target += "?" + query }
        }
        // "//evil.example" and "/\evil" are other hosts to a browser.
        guard target.hasPrefix("/"), !target.hasPrefix("//") else { return nil }
        guard let parsed = URLComponents(string: target), parsed.scheme == nil, parsed.host == nil else { return nil }
        return target
    }

    private static func defaultPort(_ scheme: String?) -> Int? {
        switch scheme?.lowercased() {
        case "http": 80
        case "https": 443
        default: nil
        }
    }
}
