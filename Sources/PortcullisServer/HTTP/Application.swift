import HTTPTypes
import Hummingbird
import Logging
import PortcullisCore
import Synchronization

/// The HTTP application: the router plus the background services (the mirrors).
public func buildApplication(_ portcullis: Portcullis, onServerRunning: (@Sendable (Int) async -> Void)? = nil)
    -> some ApplicationProtocol
{
    let configuration = portcullis.configuration
    var app = Application(
        router: buildRouter(portcullis),
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: nil),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            if !["127.0.0.1", "::1", "localhost"].contains(configuration.hostname) && configuration.resolvedIssuer.hasPrefix("http://") {
                portcullis.logger.warning(
                    "serving beyond loopback with an http issuer: cookies are not Secure and tokens cross the network in clear; put TLS in front and set PORTCULLIS_ISSUER to its https URL")
            }
            portcullis.logger.notice(
                "Portcullis is listening",
                metadata: ["address": "\(configuration.hostname):\(port)", "issuer": "\(configuration.resolvedIssuer)"])
            await onServerRunning?(port)
        },
        logger: portcullis.logger
    )
    app.addServices(MirrorService(portcullis: portcullis))
    return app
}

/// Every route, in one place. Tests call this directly.
public func buildRouter(_ portcullis: Portcullis) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let catalog = RouteCatalog()
    router.add(middleware: ErrorMiddleware(portcullis: portcullis, catalog: catalog))
    TokenController(portcullis: portcullis).addRoutes(to: router)
    DiscoveryController(portcullis: portcullis).addRoutes(to: router)
    let views = portcullis.views
    router.get("/assets/portcullis.css") { _, _ in views.stylesheetResponse }
    router.get("/assets/portcullis.js") { _, _ in views.scriptResponse }
    // Pages and the API share the session middleware: it reads the database only when a session cookie is sent.
    let web = router.group().add(middleware: portcullis.sessionMiddleware)
    SignInController(portcullis: portcullis, views: views).addRoutes(to: web)
    AuthorizeController(portcullis: portcullis, views: views).addRoutes(to: web)
    ClientPagesController(portcullis: portcullis, views: views).addRoutes(to: web)
    TokenPagesController(portcullis: portcullis, views: views).addRoutes(to: web)
    let api = ProtectedAPI(portcullis: portcullis, router: web)
    UsersController(portcullis: portcullis).addRoutes(to: api)
    ClientsAPIController(portcullis: portcullis).addRoutes(to: api)
    PersonalTokensAPIController(portcullis: portcullis).addRoutes(to: api)
    catalog.load(router.routes.map { ($0.method, $0.path.description) })
    return router
}

/// The registered routes, for telling 404 from 405.
final class RouteCatalog: Sendable {
    private let routes = Mutex<[(method: HTTPRequest.Method, segments: [Substring])]>([])

    func load(_ list: [(HTTPRequest.Method, String)]) {
        routes.withLock { $0 = list.map { ($0.0, $0.1.split(separator: "/")) } }
    }

    /// The methods registered for paths that match `path`.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            routes.filter { Self.matches($0.segments, segments) }.map(\.method)
        }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        guard pattern.count == path.count else { return false }
        for (p, s) in zip(pattern, path) {
            if p == s || p.hasPrefix(":") || (p.hasPrefix("{") && p.hasSuffix("}")) || p == "*" { continue }
            if let open = p.firstIndex(of: "{"), p.hasSuffix("}"), s.hasPrefix(p[..<open]) { continue }
            return false
        }
        return true
    }
}

/// The last line of defence: anything a route did not turn into a response becomes a response here, and an
/// unexpected error is logged and answered 500 without detail. Under `/api/` everything is JSON, 404 and 405 too.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let portcullis: Portcullis
    let catalog: RouteCatalog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The router ignores empty path segments, so "//login" would reach /login; any page that echoed its own
        // path would then point at the host "login". No such path is ever ours.
        if request.uri.path.contains("//") { return Response(status: .notFound) }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.uri.path.hasPrefix("/api/") {
            let dialect: Dialect = await isPM3Path(request.uri.path) ? .pm3 : .pm4
            let allowed = catalog.methods(matching: request.uri.path)
            if !allowed.isEmpty { return APIResponses.render(.methodNotAllowed(allowed: allowed), dialect: dialect) }
            return APIResponses.render(.notFound("There is no \(request.method.rawValue) \(request.uri.path.prefix(200))"), dialect: dialect)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            let oauthError = portcullis.oauthError(for: error, logger: context.logger)
            // A browser on a page gets a page; everything else the JSON error.
            if request.headers[.accept]?.contains("text/html") == true { return portcullis.errorPage(oauthError) }
            return Responses.oauthError(oauthError, dialect: .pm4)
        }
    }

    /// pm3 API paths carry a workspace: `/api/1.0/{workspace}/…`, where pm4 has a resource name.
    private func isPM3Path(_ path: String) async -> Bool {
        let segments = path.split(separator: "/")
        guard segments.count >= 3 else { return false }
        return (try? await portcullis.resolveWorkspace(named: String(segments[2]))) != nil
    }
}
