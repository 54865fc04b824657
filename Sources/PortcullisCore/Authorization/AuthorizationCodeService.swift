/// The authorization endpoint's half of the authorization-code grant (RFC 6749 §4.1, PKCE of RFC 7636), and the
/// implicit grant (§4.2). `AuthorizationCodeGrant` redeems the codes at the token endpoint.
public struct AuthorizationCodeService: Sendable {
    let server: AuthorizationServer
    let codes: any AuthorizationCodeRepository

    public init(server: AuthorizationServer, codes: any AuthorizationCodeRepository) {
        self.server = server
        self.codes = codes
    }

    /// Issues a code for an approved request: 256 random bits, stored only as a hash, bound to the client, the
    /// user, the redirect URI, the scope and the PKCE challenge; single use; short-lived.
    public func issueCode(for request: ValidatedAuthorizationRequest, user: UserAccount, in workspace: Workspace) async throws -> String {
        let code = OpaqueSecret.generate(.authorizationCode)
        let now = server.clock.now()
        try await codes.store(
            NewAuthorizationCode(
                hash: OpaqueSecret.hash(code), workspaceID: workspace.id, clientRowID: request.client.id, userID: user.id,
                redirectURI: request.redirectURI, redirectURIWasSent: request.redirectURIWasSent, scope: request.scope,
                codeChallenge: request.codeChallenge, expiresAt: now + server.policy.authorizationCodeLifetime,
                userTokenVersion: user.tokenVersion, resources: request.target.resources),
            now: now)
        return code
    }

    /// RFC 6749 §4.2: an access token straight to the browser, in the fragment; no refresh token.
    public func issueImplicitToken(for request: ValidatedAuthorizationRequest, user: UserAccount, in workspace: Workspace) async throws
        -> IssuedTokens
    {
        let now = server.clock.now()
        let grantID = try await server.grants.createGrant(
            NewGrant(
                workspaceID: workspace.id, clientRowID: request.client.id, userID: user.id, scope: request.scope, grantType: .implicit,
                resources: request.target.resources),
            refreshToken: nil, now: now)
        let access = try server.mintAccessToken(
            workspace: workspace, client: request.client, user: user, target: request.target, grantID: grantID, now: now)
        return IssuedTokens(
            accessToken: access.token, expiresIn: server.policy.accessTokenLifetime, refreshToken: nil, scope: request.scope,
            claims: access.claims)
    }
}
