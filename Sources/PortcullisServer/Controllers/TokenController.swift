import Hummingbird
import PortcullisCore
import PortcullisWire

/// The token endpoint (RFC 6749 §3.2), revocation (RFC 7009) and introspection (RFC 7662), once per dialect:
/// `/oauth/{token,revoke,introspect}` and `/{workspace}/oauth2/{token,revoke,introspect}`. All three read the same
/// form body and client authentication; their errors go to the OAuth surface's `ErrorMiddleware`.
struct TokenController {
    let portcullis: Portcullis

    enum Endpoint: String, CaseIterable { case token, revoke, introspect }

    func addRoutes(to router: some RouterMethods<WorkspaceRequestContext>, dialect: any Dialect) {
        for endpoint in Endpoint.allCases {
            router.post(RouterPath("\(dialect.oauthPrefix)/\(endpoint.rawValue)")) { request, context in
                let tokenRequest = TokenRequest(
                    parameters: try await RequestParameters.parse(request), basic: try BasicAuthorization.parse(request.headers[.authorization]),
                    remoteAddress: portcullis.clientAddress(request, context))
                switch endpoint {
                case .token: return try await token(tokenRequest, context)
                case .revoke: return try await revoke(tokenRequest, context)
                case .introspect: return try await introspect(tokenRequest, context)
                }
            }
        }
    }

    func token(_ tokenRequest: TokenRequest, _ context: WorkspaceRequestContext) async throws -> Response {
        Responses.token(try await portcullis.authorizationServer.token(tokenRequest, in: context.workspace), dialect: context.dialect)
    }

    func revoke(_ tokenRequest: TokenRequest, _ context: WorkspaceRequestContext) async throws -> Response {
        try await portcullis.authorizationServer.revoke(tokenRequest, in: context.workspace)
        // RFC 7009 §2.2: 200, and the body is ignored.
        return Response(status: .ok, headers: Responses.noStore)
    }

    func introspect(_ tokenRequest: TokenRequest, _ context: WorkspaceRequestContext) async throws -> Response {
        let result = try await portcullis.authorizationServer.introspect(
            tokenRequest, in: context.workspace, resourceServersOfAnyWorkspace: !context.dialect.pathNamesWorkspace)
        let body = IntrospectionResponse(
            active: result.active, scope: result.scope, clientID: result.clientID, tokenType: result.kind?.rawValue,
            exp: result.expiresAt, iat: result.issuedAt, nbf: result.notBefore, sub: result.subject, aud: result.audience.map(Audience.init),
            iss: result.active ? result.issuer : nil, jti: result.tokenID, workspace: result.workspace)
        return Responses.json(body, headers: Responses.noStore)
    }
}
