import Testing

@testable import PortcullisCore

@Suite("Authorization code grant: redemption and PKCE (RFC 6749 §4.1.3, RFC 7636)")
struct AuthorizationCodeGrantCoreTests {
    static let verifier = String(repeating: "v", count: 43)

    func redeem(
        _ world: CoreWorld, _ code: String?, redirectURI: String? = CoreWorld.redirectURI, verifier: String? = nil, asPublic: Bool = false
    ) async throws -> IssuedTokens {
        var parameters = ["grant_type": "authorization_code"]
        parameters["code"] = code
        parameters["redirect_uri"] = redirectURI
        parameters["code_verifier"] = verifier
        return try await world.token(asPublic ? world.publicRequest(parameters) : world.request(parameters))
    }

    @Test("A code becomes Alice's tokens once: with PKCE for a public client, without for a confidential one")
    func success() async throws {
        let world = try await CoreWorld()
        let code = try await world.authorizationCode(for: world.publicClient, codeChallenge: PKCE.challenge(for: Self.verifier))
        let issued = try await redeem(world, code, verifier: Self.verifier, asPublic: true)
        #expect(issued.claims.subject == String(world.alice.id))
        #expect(issued.claims.clientID == world.publicClient.clientID)
        #expect(issued.refreshToken != nil)
        let confidential = try await redeem(world, try await world.authorizationCode(scope: ScopeSet([.viewProcesses])))
        #expect(confidential.scope == ScopeSet([.viewProcesses]))
        // The refresh token it issued belongs to the same grant.
        #expect(try await world.refresh(confidential.refreshToken).claims.grantID == confidential.claims.grantID)
    }

    @Test("A client not switched on for the grant is unauthorized_client")
    func notSwitchedOn() async throws {
        let world = try await CoreWorld()
        let code = try await world.authorizationCode(for: world.switchedOff)
        await #expect(throws: OAuthError.unauthorizedClient("The grant type is unauthorized for this client_id")) {
            try await world.token(
                world.switchedOffRequest(["grant_type": "authorization_code", "code": code, "redirect_uri": CoreWorld.redirectURI]))
        }
    }

    @Test("A missing code is invalid_request; a malformed or unknown one is invalid_grant")
    func badCodes() async throws {
        let world = try await CoreWorld()
        await #expect(throws: OAuthError.invalidRequest("Missing parameter: \"code\" is required")) { try await redeem(world, nil) }
        for code in ["not-a-code", OpaqueSecret.generate(.refreshToken), OpaqueSecret.generate(.authorizationCode)] {
            await #expect(throws: OAuthError.invalidAuthorizationCode) { try await redeem(world, code) }
        }
    }

    @Test("Another client's code is invalid_grant and stays redeemable by its own client")
    func otherClient() async throws {
        let world = try await CoreWorld()
        let code = try await world.authorizationCode(for: world.publicClient, codeChallenge: PKCE.challenge(for: Self.verifier))
        await #expect(throws: OAuthError.invalidAuthorizationCode) { try await redeem(world, code, verifier: Self.verifier) }
        #expect(try await redeem(world, code, verifier: Self.verifier, asPublic: true).refreshToken != nil)
    }

    @Test("An expired code is invalid_grant")
    func expired() async throws {
        let world = try await CoreWorld()
        let code = try await world.authorizationCode()
        world.clock.advance(TokenPolicy().authorizationCodeLifetime)
        await #expect(throws: OAuthError.invalidAuthorizationCode) { try await redeem(world, code) }
    }

    @Test("redirect_uri: required and identical when the authorization request sent one; checked whenever it is sent")
    func redirectURI() async throws {
        let world = try await CoreWorld()
        await #expect(throws: OAuthError.invalidAuthorizationCode) {
            try await redeem(world, try await world.authorizationCode(), redirectURI: nil)
        }
        await #expect(throws: OAuthError.invalidAuthorizationCode) {
            try await redeem(world, try await world.authorizationCode(), redirectURI: "https://app.example/other")
        }
        await #expect(throws: OAuthError.invalidAuthorizationCode) {
            try await redeem(world, try await world.authorizationCode(redirectURIWasSent: false), redirectURI: "https://app.example/other")
        }
        #expect(try await redeem(world, try await world.authorizationCode(redirectURIWasSent: false), redirectURI: nil).refreshToken != nil)
        #expect(try await redeem(world, try await world.authorizationCode(redirectURIWasSent: false)).refreshToken != nil)
    }

    @Test("PKCE: a verifier is required for a code with a challenge and must match it (RFC 7636 §4.6)")
    func pkce() async throws {
        let world = try await CoreWorld()
        let challenge = PKCE.challenge(for: Self.verifier)
        await #expect(throws: OAuthError.invalidCodeVerifier("The code_verifier is required for this code")) {
            try await redeem(world, try await world.authorizationCode(codeChallenge: challenge))
        }
        await #expect(throws: OAuthError.invalidCodeVerifier("The code_verifier does not match the code_challenge")) {
            try await redeem(world, try await world.authorizationCode(codeChallenge: challenge), verifier: String(repeating: "w", count: 43))
        }
        #expect(try await redeem(world, try await world.authorizationCode(codeChallenge: challenge), verifier: Self.verifier).refreshToken != nil)
    }

    @Test("PKCE: a verifier for a code issued without a challenge is a downgrade (RFC 9700 §2.1.1); a public client must use PKCE")
    func pkceDowngrade() async throws {
        let world = try await CoreWorld()
        await #expect(throws: OAuthError.invalidCodeVerifier("A code_verifier was sent for a code issued without a code_challenge")) {
            try await redeem(world, try await world.authorizationCode(), verifier: Self.verifier)
        }
        await #expect(throws: OAuthError.invalidCodeVerifier("Public clients must use PKCE")) {
            try await redeem(world, try await world.authorizationCode(for: world.publicClient), asPublic: true)
        }
    }

    @Test("A replayed code is invalid_grant and revokes the grant it was redeemed for (RFC 6749 §4.1.2)")
    func replay() async throws {
        let world = try await CoreWorld()
        let code = try await world.authorizationCode()
        let issued = try await redeem(world, code)
        await #expect(throws: OAuthError.invalidAuthorizationCode) { try await redeem(world, code) }
        #expect(world.repositories.isRevoked(grant: try #require(issued.claims.grantID.flatMap { Int($0) })))
        #expect(try await world.introspect(issued.accessToken) == .inactive)
        await #expect(throws: OAuthError.invalidRefreshToken("The refresh token is invalid")) { try await world.refresh(issued.refreshToken) }
    }

    @Test("A code issued before the user's token version was raised, or to a user since deactivated, is invalid_grant")
    func revokedUser() async throws {
        let world = try await CoreWorld()
        let code = try await world.authorizationCode()
        world.repositories.changeUser(world.alice.id, tokenVersion: world.alice.tokenVersion + 1)
        await #expect(throws: OAuthError.invalidAuthorizationCode) { try await redeem(world, code) }
        let later = try await world.authorizationCode()
        world.repositories.changeUser(world.alice.id, isActive: false)
        await #expect(throws: OAuthError.invalidAuthorizationCode) { try await redeem(world, later) }
    }
}
