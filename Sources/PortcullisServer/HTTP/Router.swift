import HTTPTypes
public import Hummingbird
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
                    "serving beyond loopback with an http issuer: cookies are not Secure and tokens cross the network in clear; put TLS in front and set PORTCULLIS_ISSUER to its https URL"
                )
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

/// Every route, in one place, and what protects it. Tests call this directly. The request flows one way:
/// router → workspace (per dialect) → authenticate → requirement → handler (decodes, asks Core) → store → the
/// dialect renders; a failure anywhere goes to that group's `ErrorMiddleware`.
public func buildRouter(_ portcullis: Portcullis) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let catalog = RouteCatalog()
    router.add(middleware: HeadMiddleware())
    router.add(middleware: FallbackMiddleware(portcullis: portcullis, catalog: catalog))
    DiscoveryController(portcullis: portcullis).addRoutes(to: router)
    let views = portcullis.views
    router.get("/assets/portcullis.css") { _, _ in views.stylesheetResponse }
    router.get("/assets/portcullis.js") { _, _ in views.scriptResponse }
    // Pages and the API share the session middleware: it reads the database only when a session cookie is sent.
    let web = router.group().add(middleware: portcullis.sessionMiddleware)
    for dialect in Dialects.all {
        // The OAuth endpoints: no session, OAuth error bodies.
        let oauth = router.group()
            .add(middleware: ErrorMiddleware<AppRequestContext>(portcullis: portcullis, surface: .oauth, dialect: dialect))
            .add(middleware: WorkspaceMiddleware(portcullis: portcullis, dialect: dialect))
            .group(context: WorkspaceRequestContext.self)
        TokenController(portcullis: portcullis).addRoutes(to: oauth, dialect: dialect)
        let resourceEndpoints = ResourceServerEndpoints(portcullis: portcullis)
        resourceEndpoints.addFeed(to: oauth, dialect: dialect)
        // The nginx check answers with the API's challenges (RFC 6750 §3), and reads no session.
        let check = router.group()
            .add(middleware: ErrorMiddleware<AppRequestContext>(portcullis: portcullis, surface: .api, dialect: dialect))
            .add(middleware: WorkspaceMiddleware(portcullis: portcullis, dialect: dialect))
            .group(context: WorkspaceRequestContext.self)
        resourceEndpoints.addCheck(to: check, dialect: dialect)

        // The pages: anyone (sign-in, authorization), and signed-in users only (forms with CSRF checks).
        let pages = web.group()
            .add(middleware: ErrorMiddleware<AppRequestContext>(portcullis: portcullis, surface: .page, dialect: dialect))
            .add(middleware: WorkspaceMiddleware(portcullis: portcullis, dialect: dialect))
            .group(context: WorkspaceRequestContext.self)
            .add(middleware: SessionAuthenticator(portcullis: portcullis))
        SignInController(portcullis: portcullis, views: views).addRoutes(to: pages, dialect: dialect)
        AuthorizeController(portcullis: portcullis, views: views).addRoutes(to: pages, dialect: dialect)
        func signedInPages(returningTo fallback: String) -> RouterGroup<PageRequestContext> {
            pages.group()
                .add(middleware: SignedInRequired(portcullis: portcullis, fallback: fallback))
                .group(context: PageRequestContext.self)
                .add(middleware: ErrorMiddleware<PageRequestContext>(portcullis: portcullis, surface: .page, dialect: dialect))
                .add(middleware: CSRFMiddleware())
        }
        ClientPagesController(portcullis: portcullis, views: views)
            .addRoutes(to: signedInPages(returningTo: dialect.clientPagesPath), dialect: dialect)
        if dialect.hasProfilePages {
            TokenPagesController(portcullis: portcullis, views: views).addRoutes(to: signedInPages(returningTo: TokenPagesController.base))
            ResourcePagesController(portcullis: portcullis, views: views).addRoutes(to: signedInPages(returningTo: ResourcePagesController.base))
        }

        // The REST API: a user of the workspace, by bearer token or the pages' session with its CSRF header.
        let api = web.group()
            .add(middleware: ErrorMiddleware<AppRequestContext>(portcullis: portcullis, surface: .api, dialect: dialect))
            .add(middleware: WorkspaceMiddleware(portcullis: portcullis, dialect: dialect))
            .group(context: WorkspaceRequestContext.self)
            .add(middleware: BearerAuthenticator(portcullis: portcullis))
            .group(context: APIRequestContext.self)
        UsersController(portcullis: portcullis).addRoutes(to: api, dialect: dialect)
        PersonalTokensAPIController(portcullis: portcullis).addRoutes(to: api, dialect: dialect)
        if dialect.hasClientsAPI {
            ClientsAPIController(portcullis: portcullis).addRoutes(to: api)
            ResourcesAPIController(portcullis: portcullis).addRoutes(to: api)
        }
    }
    catalog.load(router.routes.map { ($0.method, $0.path.description) })
    return router
}

/// The registered routes, for telling 404 from 405.
final class RouteCatalog: Sendable {
    private let routes = Mutex<[(method: HTTPRequest.Method, segments: [Substring])]>([])

    func load(_ list: [(HTTPRequest.Method, String)]) {
        routes.withLock { $0 = list.map { ($0.0, $0.1.split(separator: "/")) } }
    }

    /// The methods of the routes `path` reaches. The router prefers a literal segment to a parameter, from the left
    /// (`/users/me` is not `/users/{id}`), so only the most literal matching patterns count.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        let matching = routes.withLock { routes in routes.filter { Self.matches($0.segments, segments) } }
        let literalness = { (pattern: [Substring]) in pattern.map { Self.isParameter($0) ? 0 : 1 } }
        guard let best = matching.map({ literalness($0.segments) }).max(by: { $0.lexicographicallyPrecedes($1) }) else { return [] }
        return matching.filter { literalness($0.segments) == best }.map(\.method)
            .reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    private static func isParameter(_ segment: Substring) -> Bool {
        segment.hasPrefix(":") || segment.contains("{") || segment == "*"
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
