import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// Revocation (RFC 7009) and introspection (RFC 7662), at `/oauth/…` and `/{workspace}/oauth2/…`.
struct TokenManagementController {
    let portcullis: Portcullis

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/oauth/revoke") { request, context in await revoke(request, context, .pm4, Workspace.defaultName) }
        router.post("/{workspace}/oauth2/revoke") { request, context in
            await revoke(request, context, .pm3, context.parameters.get("workspace") ?? "")
        }
        router.post("/oauth/introspect") { request, context in await introspect(request, context, .pm4, Workspace.defaultName) }
        router.post("/{workspace}/oauth2/introspect") { request, context in
            await introspect(request, context, .pm3, context.parameters.get("workspace") ?? "")
        }
    }

    private func run(
        _ request: Request, _ context: AppRequestContext, _ dialect: Dialect, _ workspaceName: String,
        _ body: (TokenRequest, Workspace) async throws -> Response
    ) async -> Response {
        let authorization = request.headers[.authorization]
        do {
            guard let workspace = try await portcullis.resolveWorkspace(named: workspaceName) else { return Response(status: .serviceUnavailable) }
            let parameters = try await RequestParameters.parse(request)
            let tokenRequest = TokenRequest(
                parameters: parameters, basic: try BasicAuthorization.parse(authorization), remoteAddress: portcullis.clientAddress(request, context))
            return try await body(tokenRequest, workspace)
        } catch {
            return Responses.oauthError(
                portcullis.oauthError(for: error, logger: context.logger), dialect: dialect,
                basicAttempted: BasicAuthorization.attempted(authorization))
        }
    }

    func revoke(_ request: Request, _ context: AppRequestContext, _ dialect: Dialect, _ workspace: String) async -> Response {
        await run(request, context, dialect, workspace) { tokenRequest, workspace in
            try await portcullis.authorizationServer.revoke(tokenRequest, in: workspace)
            // RFC 7009 §2.2: 200, and the body is ignored.
            return Response(status: .ok, headers: Responses.noStore)
        }
    }

    func introspect(_ request: Request, _ context: AppRequestContext, _ dialect: Dialect, _ workspace: String) async -> Response {
        await run(request, context, dialect, workspace) { tokenRequest, workspace in
            let result = try await portcullis.authorizationServer.introspect(tokenRequest, in: workspace)
            let body = IntrospectionResponse(
                active: result.active, scope: result.scope, clientID: result.clientID, tokenType: result.kind?.rawValue,
                exp: result.expiresAt, iat: result.issuedAt, nbf: result.notBefore, sub: result.subject, aud: result.audience,
                iss: result.active ? result.issuer : nil, jti: result.tokenID)
            return Responses.json(body, headers: Responses.noStore)
        }
    }
}
