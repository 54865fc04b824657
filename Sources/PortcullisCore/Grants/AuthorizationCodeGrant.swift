import Logging

/// The token endpoint's `authorization_code` grant (RFC 6749 §4.1.3): redeems a code `AuthorizationCodeService`
/// issued, once, checking what it is bound to and its PKCE challenge (RFC 7636 §4.6).
public struct AuthorizationCodeGrant: TokenGrant {
    public let grantType = "authorization_code"
    let codes: any AuthorizationCodeRepository

    public init(codes: any AuthorizationCodeRepository) {
        self.codes = codes
    }

    public func issue(_ request: TokenRequest, client authenticated: AuthenticatedClient, in workspace: Workspace, server: AuthorizationServer)
        async throws -> IssuedTokens
    {
        let client = authenticated.client
        guard client.grants.contains(.authorizationCode) else {
            throw OAuthError.unauthorizedClient("The grant type is unauthorized for this client_id")
        }
        guard let code = request["code"] else { throw OAuthError.invalidRequest("Missing parameter: \"code\" is required") }
        guard OpaqueSecret.hasShape(code, of: .authorizationCode) else { throw OAuthError.invalidAuthorizationCode }
        let now = server.clock.now()
        let hash = OpaqueSecret.hash(code)

        // The one atomic conditional update: only the first presenter gets the row.
        guard let record = try await codes.consume(hash: hash, clientRowID: client.id, now: now) else {
            if let existing = try await codes.code(hash: hash), existing.clientRowID == client.id, existing.usedAt != nil {
                // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what it issued.
                server.logger.warning("authorization code replay detected; revoking its grant", metadata: ["code_row": "\(existing.id)"])
                if let grantID = try await codes.markReplayed(id: existing.id, now: now) {
                    try await server.revokeGrant(grantID, now: now)
                }
            }
            throw OAuthError.invalidAuthorizationCode
        }
        guard record.workspaceID == workspace.id, record.expiresAt > now else { throw OAuthError.invalidAuthorizationCode }
        // RFC 6749 §4.1.3: the redirect_uri must be repeated exactly when the authorization request carried one.
        let sentRedirect = request["redirect_uri"]
        if record.redirectURIWasSent || sentRedirect != nil {
            // Identical means the same bytes (RFC 3986 §6.2.1), not Swift's canonical-equivalence ==.
            guard RedirectURIPolicy.sameBytes(sentRedirect, record.redirectURI) else { throw OAuthError.invalidAuthorizationCode }
        }
        let verifier = request["code_verifier"]
        if let challenge = record.codeChallenge {
            guard let verifier else { throw OAuthError.invalidCodeVerifier("The code_verifier is required for this code") }
            guard PKCE.verify(verifier, against: challenge) else {
                throw OAuthError.invalidCodeVerifier("The code_verifier does not match the code_challenge")
            }
        } else if verifier != nil {
            // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
            throw OAuthError.invalidCodeVerifier("A code_verifier was sent for a code issued without a code_challenge")
        } else if !client.isConfidential {
            throw OAuthError.invalidCodeVerifier("Public clients must use PKCE")
        }
        // A code issued before everything the user held was revoked (password change, deactivation, losing super
        // admin: each raises the token version) dies with the sessions and tokens that revocation ended; else a code
        // taken by an attacker before the password change would still become fresh tokens after it.
        guard let user = try await server.users.user(id: record.userID), user.isActive, user.tokenVersion == record.userTokenVersion
        else { throw OAuthError.invalidAuthorizationCode }

        // RFC 8707 §2.2: the token request may name fewer of the code's resources, never others.
        let target = try server.resources.narrow(record.target, resources: request["resource"], scope: nil, in: workspace.id)
        let refreshToken = OpaqueSecret.generate(.refreshToken)
        guard
            let grantID = try await codes.createGrant(
                forCode: record.id,
                grant: NewGrant(
                    workspaceID: workspace.id, clientRowID: client.id, userID: user.id, scope: record.scope, grantType: .authorizationCode,
                    resources: record.resources),
                refreshToken: NewRefreshToken(
                    hash: OpaqueSecret.hash(refreshToken), parentID: nil, expiresAt: now + server.policy.refreshTokenLifetime),
                now: now)
        else { throw OAuthError.invalidAuthorizationCode }
        let access = try server.mintAccessToken(
            workspace: workspace, client: client, user: user, target: target, grantID: grantID, now: now)
        return IssuedTokens(
            accessToken: access.token, expiresIn: server.policy.accessTokenLifetime, refreshToken: refreshToken, scope: target.scope,
            claims: access.claims)
    }
}
