import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import PortcullisGuard
import PortcullisWire

/// A request context that can carry the principal of a verified token (as hummingbird-auth's `AuthRequestContext`
/// carries an identity).
public protocol PortcullisRequestContext: RequestContext {
    var portcullisPrincipal: Principal? { get set }
}

/// Refuses a request unless its bearer token passes the guard with `scopes`, and puts the token's principal in the
/// context for the handlers behind it.
///
/// ```swift
/// router.group("orders").add(middleware: PortcullisGuardMiddleware(guard, scopes: ["read:orders"]))
/// ```
///
/// A refusal is answered with the guard's status (401, 400, 403 or 503), the RFC 6750 §3 `WWW-Authenticate` challenge
/// and a small JSON body `{"error": "…", "error_description": "…"}`.
public struct PortcullisGuardMiddleware<Context: PortcullisRequestContext>: RouterMiddleware {
    public let `guard`: PortcullisGuard
    public let scopes: Set<String>

    public init(_ guard: PortcullisGuard, scopes: Set<String> = []) {
        self.guard = `guard`
        self.scopes = scopes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // RFC 7230 §3.2.2 would allow a repeated header to be joined by commas; two Authorization fields are simply
        // not one bearer token, so they are refused as a malformed request.
        let values = request.headers[values: .authorization]
        let principal: Principal
        do throws(GuardError) {
            if values.count > 1 { throw .invalidRequest("the request has more than one Authorization header") }
            principal = try await self.guard.verify(values.first, requiredScopes: scopes)
        } catch {
            return self.guard.response(for: error)
        }
        var context = context
        context.portcullisPrincipal = principal
        return try await next(request, context)
    }
}

extension PortcullisGuard {
    /// The answer to a refused request: status, `WWW-Authenticate` (RFC 6750 §3) and a JSON body.
    public func response(for error: GuardError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        if let challenge = wwwAuthenticate(for: error) { headers[.wwwAuthenticate] = challenge }
        if case .unavailable = error { headers[.retryAfter] = "1" }
        let body = ErrorBody(error: error.errorCode ?? "invalid_token", errorDescription: error.errorDescription)
        let json = (try? JSONEncoder().encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}

private struct ErrorBody: Encodable {
    var error: String
    var errorDescription: String

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}

extension Router {
    /// Serves the guard's RFC 9728 protected resource metadata at the path of `guard.resourceMetadataURL`
    /// (`/.well-known/oauth-protected-resource` for a resource URI without a path).
    @discardableResult
    public func addProtectedResourceMetadata(_ guard: PortcullisGuard) -> Self {
        let path = wellKnownPath(of: `guard`.resourceMetadataURL)
        let document = `guard`.protectedResourceMetadata
        get(RouterPath(path)) { _, _ -> Response in
            let data = (try? JSONEncoder().encode(document)) ?? Data()
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return self
    }
}

/// The path part of an absolute URL, `/` when it has none.
func wellKnownPath(of url: String) -> String {
    guard let schemeEnd = url.range(of: "://") else { return url }
    let rest = url[schemeEnd.upperBound...]
    guard let slash = rest.firstIndex(of: "/") else { return "/" }
    return String(rest[slash...])
}
