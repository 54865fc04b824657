extension AuthorizationServer {
    /// RFC 6749 §4.4: a confidential client acting for itself. No refresh token (§4.4.3), and nothing is
    /// written: the token is revocable by its `jti` or with the whole client.
    func clientCredentialsGrant(_ request: TokenRequest, client authenticated: AuthenticatedClient, workspace: Workspace)
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
        let scope = try ScopeSet.parse(request["scope"]) ?? .everything
        let now = clock.now()
        let access = try mintAccessToken(workspace: workspace, client: client, user: nil, scope: scope, grantID: nil, now: now)
        return IssuedTokens(
            accessToken: access.token, expiresIn: policy.accessTokenLifetime, refreshToken: nil, scope: scope,
            claims: access.claims)
    }
}
