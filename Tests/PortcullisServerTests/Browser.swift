import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization

/// A minimal browser over the router test client: keeps cookies, follows nothing by itself, reads forms.
final class Browser: Sendable {
    let client: any TestClientProtocol
    private let jar = Mutex<[String: String]>([:])

    init(_ client: any TestClientProtocol) { self.client = client }

    var cookies: [String: String] { jar.withLock { $0 } }
    func setCookie(_ name: String, _ value: String?) { jar.withLock { $0[name] = value } }

    func request(
        _ method: HTTPRequest.Method, _ uri: String, form: [(String, String)]? = nil, headers: HTTPFields = [:], body text: String? = nil
    ) async throws -> TestResponse {
        var headers = headers
        let cookieHeader = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        if !cookieHeader.isEmpty { headers[.cookie] = cookieHeader }
        var body: ByteBuffer? = text.map { ByteBuffer(string: $0) }
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: Body.formEncode(form))
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = String(pair[0]).trimmingCharacters(in: .whitespaces)
            let expired =
                header.contains("Max-Age=0") || header.lowercased().contains("expires=thu, 01 jan 1970")
                || Self.expiresInPast(header)
            setCookie(name, expired ? nil : String(pair[1]))
        }
        return response
    }

    private static func expiresInPast(_ header: String) -> Bool {
        guard let range = header.range(of: "Expires=") else { return false }
        let text = header[range.upperBound...].split(separator: ";")[0]
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: String(text)) else { return false }
        return date <= Date()
    }

    func get(_ uri: String) async throws -> TestResponse { try await request(.get, uri) }
    func post(_ uri: String, _ form: [(String, String)]) async throws -> TestResponse { try await request(.post, uri, form: form) }

    /// Follows 303s within this server, up to `limit`; stops at the first off-site Location.
    func follow(_ response: TestResponse, limit: Int = 5) async throws -> TestResponse {
        var current = response
        for _ in 0..<limit {
            guard current.status == .seeOther || current.status == .found, let location = current.headers[.location], location.hasPrefix("/")
            else { return current }
            current = try await get(location)
        }
        return current
    }
}

/// Hidden inputs and form actions of an HTML page.
enum HTML {
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#x2F;", with: "/").replacingOccurrences(of: "&#x3D;", with: "=").replacingOccurrences(of: "&#x60;", with: "`")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The page's main form: the last one (the header's sign-out form comes first).
    static func mainForm(_ html: String) -> String {
        guard let start = html.range(of: "<form method=\"post\"", options: .backwards) else { return html }
        let rest = html[start.lowerBound...]
        guard let end = rest.range(of: "</form>") else { return String(rest) }
        return String(rest[..<end.upperBound])
    }

    static func hiddenFields(_ page: String) -> [(String, String)] {
        let html = mainForm(page)
        let pattern = try! NSRegularExpression(pattern: #"<input type="hidden" name="([^"]+)" value="([^"]*)">"#)
        let range = NSRange(html.startIndex..., in: html)
        return pattern.matches(in: html, range: range).map {
            (unescape(String(html[Range($0.range(at: 1), in: html)!])), unescape(String(html[Range($0.range(at: 2), in: html)!])))
        }
    }

    static func formAction(_ page: String) -> String? {
        let html = mainForm(page)
        guard
            let match = try! NSRegularExpression(pattern: #"<form method="post" action="([^"]+)""#)
                .firstMatch(in: html, range: NSRange(html.startIndex..., in: html))
        else { return nil }
        return unescape(String(html[Range(match.range(at: 1), in: html)!]))
    }
}

/// Query or fragment parameters of a Location.
func locationParameters(_ location: String, fragment: Bool = false) -> [String: String] {
    let part: Substring
    if fragment {
        guard let hash = location.firstIndex(of: "#") else { return [:] }
        part = location[location.index(after: hash)...]
    } else {
        guard let mark = location.firstIndex(of: "?") else { return [:] }
        part = location[location.index(after: mark)...].split(separator: "#").first ?? ""
    }
    var result: [String: String] = [:]
    for pair in part.split(separator: "&") {
        let kv = pair.split(separator: "=", maxSplits: 1)
        let name = String(kv[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        result[name] = kv.count > 1 ? String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding : ""
    }
    return result
}
