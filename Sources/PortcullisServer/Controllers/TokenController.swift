import Hummingbird
import Logging
import PortcullisCore
import PortcullisStore
import PortcullisWire

/// The token endpoint (RFC 6749 §3.2), revocation (RFC 7009) and introspection (RFC 7662), in both dialects:
/// `/oauth/{token,revoke,introspect}` and `/{workspace}/oauth2/{token,revoke,introspect}`. All three read the same
/// form body and client authentication and answer errors the same way.
struct TokenController {
    let portcullis: Portcullis

    enum Endpoint: String, CaseIterable { case token, revoke, introspect }

    func addRoutes(to router: Router<AppRequestContext>) {
        for endpoint in Endpoint.allCases {
            router.post("/oauth/\(endpoint.rawValue)") { request, context in
                await answer(endpoint, request, context, .pm4, Workspace.defaultName)
            }
            router.post("/{workspace}/oauth2/\(endpoint.rawValue)") { request, context in
                await answer(endpoint, request, context, .pm3, context.parameters.get("workspace") ?? "")
            }
        }
    }

    private func answer(
        _ endpoint: Endpoint, _ request: Request, _ context: AppRequestContext, _ dialect: Dialect, _ workspaceName: String
    ) async -> Response {
        let authorization = request.headers[.authorization]
        do {
            guard let workspace = try await portcullis.resolveWorkspace(named: workspaceName) else {
                // Seed 000: "If the name of the workspace isn't valid, then the error code is set to 503 and there
                // is no return object."
                return Response(status: .serviceUnavailable)
            }
            let parameters = try await RequestParameters.parse(request)
            let tokenRequest = TokenRequest(
                parameters: parameters, basic: try BasicAuthorization.parse(authorization), remoteAddress: portcullis.clientAddress(request, context))
            switch endpoint {
            case .token: return try await token(tokenRequest, workspace, dialect)
            case .revoke: return try await revoke(tokenRequest, workspace)
            case .introspect: return try await introspect(tokenRequest, workspace)
            }
        } catch {
            return Responses.oauthError(
                portcullis.oauthError(for: error, logger: context.logger), dialect: dialect,
                suppressResponseCodes: dialect.suppressesResponseCodes(request), basicAttempted: BasicAuthorization.attempted(authorization))
        }
    }

    func token(_ tokenRequest: TokenRequest, _ workspace: Workspace, _ dialect: Dialect) async throws -> Response {
        Responses.token(try await portcullis.authorizationServer.token(tokenRequest, in: workspace), dialect: dialect)
    }

    func revoke(_ tokenRequest: TokenRequest, _ workspace: Workspace) async throws -> Response {
        try await portcullis.authorizationServer.revoke(tokenRequest, in: workspace)
        // RFC 7009 §2.2: 200, and the body is ignored.
        return Response(status: .ok, headers: Responses.noStore)
    }

    func introspect(_ tokenRequest: TokenRequest, _ workspace: Workspace) async throws -> Response {
        let result = try await portcullis.authorizationServer.introspect(tokenRequest, in: workspace)
        let body = IntrospectionResponse(
            active: result.active, scope: result.scope, clientID: result.clientID, tokenType: result.kind?.rawValue,
            exp: result.expiresAt, iat: result.issuedAt, nbf: result.notBefore, sub: result.subject, aud: result.audience,
            iss: result.active ? result.issuer : nil, jti: result.tokenID)
        return Responses.json(body, headers: Responses.noStore)
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
