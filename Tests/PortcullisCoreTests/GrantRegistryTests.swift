import Testing

@testable import PortcullisCore

@Suite("Grant table and registry")
struct GrantRegistryTests {
    @Test("Metadata lists the token endpoint's grants and implicit, and the two response types (RFC 8414 §2)")
    func metadataLists() {
        #expect(GrantTable.grantTypesSupported == ["authorization_code", "password", "client_credentials", "refresh_token", "implicit"])
        #expect(GrantTable.responseTypesSupported == ["code", "token"])
        #expect(GrantTable.tokenGrantTypes == ["authorization_code", "password", "client_credentials", "refresh_token"])
    }

    @Test("The switches keep their names, order, PM4 types and form labels; refresh_token is no switch")
    func switches() {
        #expect(GrantTable.switchNames == ["authorization_code", "password", "personal_access", "client_credentials", "implicit"])
        #expect(ClientGrants.names.map(\.0) == GrantTable.switchNames)
        #expect(GrantTable.pm4Types == ["authorization_code_grant", "password_client", "personal_access_client", "client_credentials", "implicit"])
        #expect(
            GrantTable.switches.map(\.formLabel) == [
                "Enable Authorization Code Grant", "Enable Password Grant", "Enable Personal Access Tokens", "Enable Client Credentials",
                "Enable Implicit Grant",
            ])
        #expect(ClientGrants(name: "refresh_token") == nil)
        #expect(GrantTable.switches.filter(\.needsRedirectURI).map(\.name) == ["authorization_code", "implicit"])
    }

    @Test("Every switch parses from its name and its PM4 spelling; the switches are distinct bits")
    func parsing() {
        for row in GrantTable.switches {
            #expect(ClientGrants(name: row.name) == row.clientSwitch)
            #expect(ClientGrants(name: row.pm4Type ?? "") == row.clientSwitch)
            for alias in row.aliases { #expect(ClientGrants(name: alias) == row.clientSwitch) }
        }
        #expect(ClientGrants(name: "personal_access_token") == .personalAccess)
        let bits = GrantTable.switches.compactMap(\.clientSwitch?.rawValue)
        #expect(Set(bits).count == bits.count && bits.allSatisfy { $0.nonzeroBitCount == 1 })
        #expect(ClientGrants([.authorizationCode, .implicit]).pm4Types == ["authorization_code_grant", "implicit"])
        #expect(ClientGrants([]).pm4Types.isEmpty)
    }

    @Test("The authorization endpoint's response types are the table's")
    func responseTypes() {
        for responseType in GrantTable.responseTypesSupported {
            #expect(ValidatedAuthorizationRequest.ResponseType(rawValue: responseType) != nil, "\(responseType)")
        }
    }

    @Test("The server's registered grants are exactly the table's token endpoint grants")
    func registeredGrants() async throws {
        let world = try await CoreWorld()
        #expect(Set(world.server.tokenGrants.map(\.grantType)) == Set(GrantTable.tokenGrantTypes))
        #expect(world.server.tokenGrants.count == GrantTable.tokenGrantTypes.count)
    }

    @Test("A grant that is not registered is unsupported_grant_type, before the client is authenticated")
    func unregisteredGrant() async throws {
        let world = try await CoreWorld(tokenGrants: AuthorizationServer.coreGrants)
        let request = TokenRequest(parameters: ["grant_type": "authorization_code", "code": "x"], basic: nil)
        await #expect(throws: OAuthError.unsupportedGrantType("authorization_code")) { try await world.token(request) }
    }

    /// A grant that only answers, to show that registering one line is all a new grant needs.
    struct EchoGrant: TokenGrant {
        let grantType = "urn:example:echo"
        func issue(_ request: TokenRequest, client: AuthenticatedClient, in workspace: Workspace, server: AuthorizationServer)
            async throws -> IssuedTokens
        {
            throw OAuthError.unauthorizedClient("echo for \(client.client.clientID)")
        }
    }

    @Test("A registered grant is dispatched by its grant_type, after client authentication")
    func registeredGrantIsDispatched() async throws {
        let world = try await CoreWorld(tokenGrants: AuthorizationServer.coreGrants + [EchoGrant()])
        await #expect(throws: OAuthError.unauthorizedClient("echo for confidential-app")) {
            try await world.token(world.request(["grant_type": "urn:example:echo"]))
        }
        await #expect(throws: OAuthError.clientCredentialsMissing) {
            try await world.token(TokenRequest(parameters: ["grant_type": "urn:example:echo"], basic: nil))
        }
    }
}
