import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// The two generations of ProcessMaker's API. Both share every rule; only the rendering differs, here.
public enum Dialect: Sendable {
    /// ProcessMaker 4: `/oauth/…`, `token_type: "Bearer"`, errors with `message`.
    case pm4
    /// ProcessMaker 3: `/{workspace}/oauth2/…`, `token_type: "bearer"`, `suppress_response_codes`.
    case pm3

    /// ProcessMaker 3 answers an OAuth endpoint's error (token, and here revoke and introspect too) with status 200
    /// and the error object when the URL carries `?suppress_response_codes=true`, as seed 000 describes it. pm4
    /// ignores the flag.
    func suppressesResponseCodes(_ request: Request) -> Bool {
        self == .pm3 && request.uri.queryParameters["suppress_response_codes"] == "true"
    }
}

/// Builds responses. Every token or error body of the token endpoint goes through here.
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
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// RFC 6749 §5.1: responses carrying tokens must not be cached.
    static var noStore: HTTPFields { [.cacheControl: "no-store", .pragmaHeader: "no-cache"] }

    static func token(_ issued: IssuedTokens, dialect: Dialect) -> Response {
        let body = TokenResponse(
            accessToken: issued.accessToken, tokenType: dialect == .pm4 ? "Bearer" : "bearer", expiresIn: issued.expiresIn,
            refreshToken: issued.refreshToken, scope: issued.scope.description)
        return json(body, headers: noStore)
    }

    /// The token endpoint's error response in a dialect. `suppressResponseCodes` is ProcessMaker 3's
    /// `?suppress_response_codes=true`, which asks for status 200 with the error in the body.
    static func oauthError(_ error: OAuthError, dialect: Dialect, suppressResponseCodes: Bool = false, basicAttempted: Bool = false)
        -> Response
    {
        var headers = noStore
        if case .invalidClient = error, basicAttempted {
            // RFC 6749 §5.2: a failed Basic authentication answers 401 with the scheme it expects.
            headers[.wwwAuthenticate] = "Basic realm=\"portcullis\""
        }
        if case .throttled(let seconds) = error { headers[.retryAfter] = String(seconds) }
        if case .temporarilyUnavailable = error { headers[.retryAfter] = "5" }
        let body = OAuthErrorResponse(
            error: error.code, errorDescription: error.description, message: dialect == .pm4 ? error.description : nil)
        let status = suppressResponseCodes ? .ok : error.httpStatus
        return json(body, status: status, headers: headers)
    }
}

extension OAuthError {
    /// The response status, named: one made from a bare code has an empty reason phrase, which API bodies show.
    var httpStatus: HTTPResponse.Status {
        let named: [HTTPResponse.Status] = [.badRequest, .unauthorized, .forbidden, .tooManyRequests, .internalServerError, .serviceUnavailable]
        return named.first { $0.code == status } ?? HTTPResponse.Status(code: status)
    }
}

extension HTTPField.Name {
    /// `Pragma: no-cache`, for HTTP/1.0 caches (RFC 6749 §5.1).
    static let pragmaHeader = HTTPField.Name("Pragma")!
}
