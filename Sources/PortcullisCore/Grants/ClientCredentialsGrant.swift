/// RFC 6749 §4.4: a confidential client acting for itself. No refresh token (§4.4.3), and nothing is written: the
/// token is revocable by its `jti` or with the whole client.
public struct ClientCredentialsGrant: TokenGrant {
    public let grantType = "client_credentials"

    public init() {}

    public func issue(_ request: TokenRequest, client authenticated: AuthenticatedClient, in workspace: Workspace, server: AuthorizationServer)
        async throws -> IssuedTokens
    {
        let client = authenticated.client
        // RFC 6749 §4.4.2: "The client credentials grant type MUST only be used by confidential clients."
        guard client.isConfidential, authenticated.method != .none else {
            throw OAuthError.unauthorizedClient("Public clients may not use the client_credentials grant")
        }
        guard client.grants.contains(.clientCredentials) else {
            throw OAuthError.unauthorizedClient("The grant type is unauthorized for this client_id")
        }
        let target = try server.resources.target(
            resources: request["resource"], scope: request["scope"], in: workspace.id, machineClient: client.clientID)
        let now = server.clock.now()
        let access = try server.mintAccessToken(workspace: workspace, client: client, user: nil, target: target, grantID: nil, now: now)
        return IssuedTokens(
            accessToken: access.token, expiresIn: server.policy.accessTokenLifetime, refreshToken: nil, scope: target.scope,
            claims: access.claims)
    }
}
