import Hummingbird
import Logging
import PortcullisCore
import PortcullisStore

/// The token endpoint in both dialects: `POST /oauth/token` and `POST /{workspace}/oauth2/token`.
struct TokenController {
    let portcullis: Portcullis

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/oauth/token") { request, context in
            await token(request, context: context, dialect: .pm4, workspaceName: Workspace.defaultName)
        }
        router.post("/{workspace}/oauth2/token") { request, context in
            await token(request, context: context, dialect: .pm3, workspaceName: context.parameters.get("workspace") ?? "")
        }
    }

    func token(_ request: Request, context: AppRequestContext, dialect: Dialect, workspaceName: String) async -> Response {
        let suppress = dialect == .pm3 && request.uri.queryParameters["suppress_response_codes"] == "true"
        let authorization = request.headers[.authorization]
        let workspace: Workspace
        do {
            guard let found = try await portcullis.resolveWorkspace(named: workspaceName) else {
                // Seed 000: "If the name of the workspace isn't valid, then the error code is set to 503 and there
                // is no return object."
                return Response(status: .serviceUnavailable)
            }
            workspace = found
        } catch {
            return failure(error, context: context, dialect: dialect, suppress: suppress, authorization: authorization)
        }
        do {
            let parameters = try await RequestParameters.parse(request)
            let tokenRequest = TokenRequest(
                parameters: parameters, basic: try BasicAuthorization.parse(authorization), remoteAddress: portcullis.clientAddress(request, context))
            let issued = try await portcullis.authorizationServer.token(tokenRequest, in: workspace)
            return Responses.token(issued, dialect: dialect)
        } catch {
            return failure(error, context: context, dialect: dialect, suppress: suppress, authorization: authorization)
        }
    }

    private func failure(_ error: any Error, context: AppRequestContext, dialect: Dialect, suppress: Bool, authorization: String?)
        -> Response
    {
        let oauthError = portcullis.oauthError(for: error, logger: context.logger)
        return Responses.oauthError(
            oauthError, dialect: dialect, suppressResponseCodes: suppress, basicAttempted: BasicAuthorization.attempted(authorization))
    }
}

extension Portcullis {
    /// Maps any error to what a client may see; unexpected ones are logged (type and description only) and
    /// become a bare `server_error`.
    func oauthError(for error: any Error, logger: Logger) -> OAuthError {
        switch error {
        case let error as OAuthError: return error
        case let error as ValidationFailure: return .invalidRequest(error.description)
        case RepositoryError.unavailable: return .temporarilyUnavailable
        case let error where Store.isUnavailable(error):
            logger.warning("the database is unreachable; answering 503")
            return .temporarilyUnavailable
        default:
            logger.error("request failed", metadata: ["error": "\(String(describing: type(of: error))): \(error)"])
            return .serverError
        }
    }
}
