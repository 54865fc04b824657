import Hummingbird
import Logging
import PortcullisCore

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
    router.add(middleware: ErrorMiddleware(portcullis: portcullis))
    TokenController(portcullis: portcullis).addRoutes(to: router)
    DiscoveryController(portcullis: portcullis).addRoutes(to: router)
    return router
}

/// The last line of defence: anything a route did not turn into a response becomes a response here, and an
/// unexpected error is logged and answered 500 without detail.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let portcullis: Portcullis

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            let oauthError = portcullis.oauthError(for: error, logger: context.logger)
            return Responses.oauthError(oauthError, dialect: .pm4)
        }
    }
}
