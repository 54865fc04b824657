import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// Builds success responses. Every token body goes through `token`, every error through `ErrorRendering`.
enum Responses {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON response.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        if let flat = value as? any FlatJSONEncodable {
            var writer = FlatJSONWriter()
            flat.writeJSON(&writer)
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: writer.finish())))
        }
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// RFC 6749 §5.1: responses carrying tokens must not be cached.
    static var noStore: HTTPFields { [.cacheControl: "no-store", .pragmaHeader: "no-cache"] }

    static func token(_ issued: IssuedTokens, dialect: any Dialect) -> Response {
        let body = TokenResponse(
            accessToken: issued.accessToken, tokenType: dialect.tokenType, expiresIn: issued.expiresIn,
            refreshToken: issued.refreshToken, scope: issued.scope.description)
        return json(body, headers: noStore)
    }

    /// ISO 8601 in UTC, as ProcessMaker 4's API writes dates.
    static func date(_ seconds: Int64) -> String { Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601) }
}

extension HTTPField.Name {
    /// `Pragma: no-cache`, for HTTP/1.0 caches (RFC 6749 §5.1).
    static let pragmaHeader = HTTPField.Name("Pragma")!
    /// Laravel's header name for the CSRF token of a page's own requests.
    static let csrfToken = HTTPField.Name("X-CSRF-TOKEN")!
}
