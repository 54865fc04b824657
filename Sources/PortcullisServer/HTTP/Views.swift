import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Server-rendered pages (Mustache, escaped by default) and the one stylesheet, loaded once at start from the
/// module's Resources folder.
struct Views: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    let script: ByteBuffer

    static func load() throws -> Views {
        guard let root = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw ConfigurationError("the page templates are missing from the build (Resources/)")
        }
        var library = MustacheLibrary()
        let templates = root.appendingPathComponent("templates")
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path).sorted() where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        let css = try Data(contentsOf: root.appendingPathComponent("assets/portcullis.css"))
        let js = try Data(contentsOf: root.appendingPathComponent("assets/portcullis.js"))
        return Views(library: library, stylesheet: ByteBuffer(bytes: css), script: ByteBuffer(bytes: js))
    }

    /// The headers of every HTML page (DESIGN.md's security rules): no framing, no third-party sources, no
    /// referrer, no caching of pages that carry CSRF tokens or secrets.
    static var securityHeaders: HTTPFields {
        [
            .xFrameOptions: "DENY",
            .contentSecurityPolicy:
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
            .referrerPolicy: "no-referrer",
            .xContentTypeOptions: "nosniff",
            .cacheControl: "no-store",
        ]
    }

    func page(_ name: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(context, withTemplate: name) ?? "<!doctype html><title>Portcullis</title><p>Page unavailable.</p>"
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func error(_ heading: String, _ message: String, code: String? = nil, status: HTTPResponse.Status, base: [String: Any] = [:]) -> Response {
        var context = base
        context["heading"] = heading
        context["message"] = message
        if let code { context["code"] = code }
        return page("error", context, status: status)
    }

    /// 303 See Other: after a POST the browser follows with a GET, never re-posting the form (RFC 9110 §15.4.4).
    static func seeOther(_ location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        headers[.referrerPolicy] = "no-referrer"
        return Response(status: .seeOther, headers: headers)
    }

    var scriptResponse: Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: script))
    }

    var stylesheetResponse: Response {
        Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: stylesheet))
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
