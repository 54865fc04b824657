import Hummingbird
import PortcullisCore

/// The one place a request's workspace is resolved: from the path, as its dialect says. An unknown workspace is 503
/// with no body in both dialects (seed 000: "If the name of the workspace isn't valid, then the error code is set to
/// 503 and there is no return object").
struct WorkspaceMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let portcullis: Portcullis
    let dialect: any Dialect

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.dialect = dialect
        guard let workspace = try await portcullis.resolveWorkspace(named: dialect.workspaceName(context.parameters)) else {
            return Response(status: .serviceUnavailable)
        }
        context.workspace = workspace
        return try await next(request, context)
    }
}
