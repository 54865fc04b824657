import Testing

@testable import PortcullisCore

@Suite("Token endpoint rules, without HTTP or SQL")
struct TokenEndpointCoreTests {
    @Test("No grant_type (or an empty one) is invalid_request")
    func missingGrantType() async throws {
        let world = try await CoreWorld()
        for parameters in [[:], ["grant_type": ""]] {
            await #expect(throws: OAuthError.invalidRequest("The grant type was not specified in the request")) {
                try await world.token(world.request(parameters))
            }
        }
    }

    @Test("An unknown grant_type is unsupported_grant_type, even before the client's credentials are checked")
    func unsupportedGrantType() async throws {
        let world = try await CoreWorld()
        for name in ["implicit", "personal_access", "nonsense"] {
            await #expect(throws: OAuthError.unsupportedGrantType(name)) { try await world.token(world.request(["grant_type": name])) }
            let unauthenticated = TokenRequest(parameters: ["grant_type": name], basic: BasicCredentials(clientID: "nobody", secret: "x"))
            await #expect(throws: OAuthError.unsupportedGrantType(name)) { try await world.token(unauthenticated) }
        }
    }

    @Test("No client credentials at all is invalid_client (credentials missing)")
    func missingCredentials() async throws {
        let world = try await CoreWorld()
        let request = TokenRequest(parameters: ["grant_type": "password", "username": "alice", "password": CoreWorld.alicePassword], basic: nil)
        await #expect(throws: OAuthError.clientCredentialsMissing) { try await world.token(request) }
    }

    @Test("Two authentication methods, or a body client_id other than Basic's, is invalid_request (RFC 6749 §2.3)")
    func duplicateCredentials() async throws {
        let world = try await CoreWorld()
        let basic = BasicCredentials(clientID: world.confidential.clientID, secret: world.confidentialSecret)
        let both = TokenRequest(parameters: ["grant_type": "client_credentials", "client_secret": world.confidentialSecret], basic: basic)
        await #expect(throws: OAuthError.invalidRequest("Client credentials were sent both in the Authorization header and in the body; use one")) {
            try await world.token(both)
        }
        let otherID = TokenRequest(parameters: ["grant_type": "client_credentials", "client_id": "public-app"], basic: basic)
        await #expect(throws: OAuthError.invalidRequest("The client_id in the body does not match the Authorization header")) {
            try await world.token(otherID)
        }
        let sameID = TokenRequest(parameters: ["grant_type": "client_credentials", "client_id": world.confidential.clientID], basic: basic)
        #expect(try await world.token(sameID).claims.clientID == world.confidential.clientID)
    }

    @Test("A wrong secret, an unknown client, or a public client sending a secret is invalid_client")
    func wrongSecret() async throws {
        let world = try await CoreWorld()
        let requests = [
            TokenRequest(parameters: ["grant_type": "client_credentials"], basic: BasicCredentials(clientID: world.confidential.clientID, secret: "wrong")),
            TokenRequest(parameters: ["grant_type": "client_credentials", "client_id": world.confidential.clientID, "client_secret": "wrong"], basic: nil),
            TokenRequest(parameters: ["grant_type": "client_credentials", "client_id": world.confidential.clientID], basic: nil),
            TokenRequest(parameters: ["grant_type": "client_credentials"], basic: BasicCredentials(clientID: "nobody", secret: "x")),
            TokenRequest(parameters: ["grant_type": "password", "client_id": "public-app", "client_secret": "guess"], basic: nil),
        ]
        for request in requests {
            await #expect(throws: OAuthError.invalidClient) { try await world.token(request) }
        }
    }

    @Test("client_credentials: a token for the client itself, no refresh token, the requested scope")
    func clientCredentials() async throws {
        let world = try await CoreWorld()
        let issued = try await world.token(world.request(["grant_type": "client_credentials"]))
        #expect(issued.refreshToken == nil)
        #expect(issued.scope == .everything)
        #expect(issued.claims.subject == world.confidential.clientID)
        #expect(issued.claims.grantID == nil)
        #expect(issued.expiresIn == TokenPolicy().accessTokenLifetime)
        let narrow = try await world.token(world.request(["grant_type": "client_credentials", "scope": "view_processes"]))
        #expect(narrow.scope == ScopeSet([.viewProcesses]))
        #expect(try await world.introspect(narrow.accessToken).active)
    }

    @Test("client_credentials: a public client is unauthorized_client (RFC 6749 §4.4.2), as is a client not switched on")
    func clientCredentialsRefused() async throws {
        let world = try await CoreWorld()
        await #expect(throws: OAuthError.unauthorizedClient("Public clients may not use the client_credentials grant")) {
            try await world.token(world.publicRequest(["grant_type": "client_credentials"]))
        }
        await #expect(throws: OAuthError.unauthorizedClient("The grant type is unauthorized for this client_id")) {
            try await world.token(world.switchedOffRequest(["grant_type": "client_credentials"]))
        }
    }

    @Test("An unknown scope is invalid_scope, in every grant that takes a scope")
    func unknownScope() async throws {
        let world = try await CoreWorld()
        await #expect(throws: OAuthError.invalidScope) {
            try await world.token(world.request(["grant_type": "client_credentials", "scope": "launch_missiles"]))
        }
        await #expect(throws: OAuthError.invalidScope) { try await world.passwordGrant(scope: "view_processes launch_missiles") }
        let issued = try await world.passwordGrant()
        await #expect(throws: OAuthError.invalidScope) { try await world.refresh(issued.refreshToken, scope: "launch_missiles") }
    }

    @Test("password: Alice's tokens, a refresh token bound to a new grant, her user id as subject")
    func password() async throws {
        let world = try await CoreWorld()
        let issued = try await world.passwordGrant(scope: "view_processes")
        #expect(issued.claims.subject == String(world.alice.id))
        #expect(issued.claims.userVersion == world.alice.tokenVersion)
        #expect(issued.scope == ScopeSet([.viewProcesses]))
        let refreshToken = try #require(issued.refreshToken)
        #expect(OpaqueSecret.hasShape(refreshToken, of: .refreshToken))
        #expect(issued.claims.grantID != nil)
        // A username is matched by its PRECIS key, so ALICE is Alice.
        let shouted = try await world.token(world.request(["grant_type": "password", "username": "ALICE", "password": CoreWorld.alicePassword]))
        #expect(shouted.claims.subject == String(world.alice.id))
        // A public client switched on for it may use the password grant too.
        let fromPublic = try await world.token(
            world.publicRequest(["grant_type": "password", "username": "alice", "password": CoreWorld.alicePassword]))
        #expect(fromPublic.claims.clientID == world.publicClient.clientID)
    }

    @Test("password: a client not switched on is unauthorized_client; a missing username or password is invalid_request")
    func passwordRefused() async throws {
        let world = try await CoreWorld()
        await #expect(throws: OAuthError.unauthorizedClient("The grant type is unauthorized for this client_id")) {
            try await world.token(world.switchedOffRequest(["grant_type": "password", "username": "alice", "password": CoreWorld.alicePassword]))
        }
        for parameters in [["username": "alice"], ["password": CoreWorld.alicePassword], ["username": "alice", "password": ""]] {
            await #expect(throws: OAuthError.invalidRequest("Missing parameters: \"username\" and \"password\" required")) {
                try await world.token(world.request(parameters.merging(["grant_type": "password"]) { $1 }))
            }
        }
    }

    @Test("password: a wrong password, an unknown user and an inactive user are one invalid_grant, and audited")
    func wrongPassword() async throws {
        let world = try await CoreWorld()
        for (username, password) in [("alice", "wrong"), ("nobody", CoreWorld.alicePassword)] {
            await #expect(throws: OAuthError.invalidUserCredentials) {
                try await world.token(world.request(["grant_type": "password", "username": username, "password": password]))
            }
        }
        world.repositories.changeUser(world.alice.id, isActive: false)
        await #expect(throws: OAuthError.invalidUserCredentials) { try await world.passwordGrant() }
        #expect(world.repositories.auditKinds == Array(repeating: "token.password.failure", count: 3))
        let events = try await world.repositories.audit.recent(workspaceID: world.workspace.id, limit: 10)
        #expect(Set(events.compactMap(\.subject)) == ["alice", "(unknown user)"])
    }

    @Test("password: past the per-username-and-address limit the grant is throttled, the right password too, and audited")
    func throttled() async throws {
        let world = try await CoreWorld(throttle: ThrottlePolicy(window: 60, perUsername: 2, sleep: { _ in }))
        let wrong = ["grant_type": "password", "username": "alice", "password": "wrong"]
        for _ in 0..<2 {
            await #expect(throws: OAuthError.invalidUserCredentials) { try await world.token(world.request(wrong, address: "192.0.2.1")) }
        }
        let right = ["grant_type": "password", "username": "alice", "password": CoreWorld.alicePassword]
        await #expect(throws: OAuthError.throttled(retryAfter: 60)) { try await world.token(world.request(right, address: "192.0.2.1")) }
        #expect(world.repositories.auditKinds.last == "token.password.throttled")
        // Another address is not locked out by this one's failures.
        #expect(try await world.token(world.request(right, address: "192.0.2.2")).refreshToken != nil)
        world.clock.advance(60)
        #expect(try await world.token(world.request(right, address: "192.0.2.1")).refreshToken != nil)
    }

    @Test("Revoking a refresh token revokes its grant: the refresh token and its access token stop working (RFC 7009 §2.1)")
    func revoke() async throws {
        let world = try await CoreWorld()
        let issued = try await world.passwordGrant()
        #expect(try await world.introspect(issued.accessToken).active)
        #expect(try await world.introspect(try #require(issued.refreshToken)).active)
        try await world.server.revoke(world.request(["token": try #require(issued.refreshToken)]), in: world.workspace)
        #expect(try await world.introspect(issued.accessToken) == .inactive)
        await #expect(throws: OAuthError.invalidRefreshToken("The refresh token is invalid")) { try await world.refresh(issued.refreshToken) }
        // An unknown token is answered like a success (RFC 7009 §2.2).
        try await world.server.revoke(world.request(["token": "pcl_rt_nothing"]), in: world.workspace)
    }

    @Test("Introspection: only confidential clients may ask, and a token is required (RFC 7662 §2.1)")
    func introspection() async throws {
        let world = try await CoreWorld()
        let issued = try await world.passwordGrant()
        await #expect(throws: OAuthError.invalidClient) {
            try await world.server.introspect(world.publicRequest(["token": issued.accessToken]), in: world.workspace)
        }
        await #expect(throws: OAuthError.invalidRequest("Missing parameter: \"token\" is required")) {
            try await world.server.introspect(world.request([:]), in: world.workspace)
        }
        // Another client learns nothing about Alice's token unless it may introspect (RFC 7662 §4).
        #expect(try await world.server.introspect(world.switchedOffRequest(["token": issued.accessToken]), in: world.workspace) == .inactive)
        let answer = try await world.introspect(issued.accessToken)
        #expect(answer.active && answer.subject == String(world.alice.id) && answer.clientID == world.confidential.clientID)
    }
}
