import Logging

@testable import PortcullisCore

/// An authorization server over in-memory repositories with one workspace, one user and three clients: a confidential
/// one and a public one with every switch on, and a confidential one with none.
struct CoreWorld {
    static let alicePassword = "correct horse battery"
    static let redirectURI = "https://app.example/callback"

    let repositories = InMemoryRepositories()
    let clock = ManualClock()
    let server: AuthorizationServer
    let workspace: Workspace
    let alice: UserAccount
    let confidential: OAuthClient
    let confidentialSecret: String
    let publicClient: OAuthClient
    let switchedOff: OAuthClient
    let switchedOffSecret: String

    init(throttle: ThrottlePolicy = ThrottlePolicy(sleep: { _ in }), tokenGrants: [any TokenGrant]? = nil) async throws {
        let secrets = ClientSecretHasher(serverKey: try ServerKey(material: Array(repeating: 7, count: 32)))
        let ring = KeyRing()
        let key = try await SigningKeyMaterial.generate(.es256).load()
        ring.install(active: key, published: [key], version: "1")
        let now = clock.now
        workspace = try await repositories.workspaces.createWorkspace(named: "workflow", now: now)
        alice = try await repositories.users.createUser(
            NewUser(workspaceID: workspace.id, username: "alice", passwordHash: try await FastPasswordHasher().hash(Self.alicePassword)),
            now: now)
        let everySwitch = ClientGrants(GrantTable.switches.compactMap(\.clientSwitch))
        confidentialSecret = OpaqueSecret.generate(.clientSecret)
        confidential = try await repositories.clients.createClient(
            NewClient(
                workspaceID: workspace.id, clientID: "confidential-app", name: "Confidential", redirectURIs: [Self.redirectURI],
                grants: everySwitch, isConfidential: true, secretHash: secrets.hash(confidentialSecret)),
            now: now)
        publicClient = try await repositories.clients.createClient(
            NewClient(
                workspaceID: workspace.id, clientID: "public-app", name: "Public", redirectURIs: [Self.redirectURI], grants: everySwitch,
                isConfidential: false, secretHash: nil),
            now: now)
        switchedOffSecret = OpaqueSecret.generate(.clientSecret)
        switchedOff = try await repositories.clients.createClient(
            NewClient(
                workspaceID: workspace.id, clientID: "switched-off", name: "Nothing", redirectURIs: [Self.redirectURI], grants: [],
                isConfidential: true, secretHash: secrets.hash(switchedOffSecret)),
            now: now)
        server = AuthorizationServer(
            workspaces: repositories.workspaces, users: repositories.users, clients: repositories.clients, grants: repositories.grants,
            revocations: repositories.revocations, passwords: FastPasswordHasher(), secrets: secrets,
            codec: AccessTokenCodec(keys: ring, issuer: "https://auth.example"), revocationList: RevocationList(), policy: TokenPolicy(),
            limiter: InMemoryAttemptLimiter(policy: throttle), clock: clock.clock, logger: Logger(label: "core-tests"),
            audit: repositories.audit,
            tokenGrants: tokenGrants ?? AuthorizationServer.coreGrants + [AuthorizationCodeGrant(codes: repositories.codes)])
    }

    /// A token request from the confidential client, authenticated with Basic.
    func request(_ parameters: [String: String], address: String? = nil) -> TokenRequest {
        TokenRequest(parameters: parameters, basic: BasicCredentials(clientID: confidential.clientID, secret: confidentialSecret), remoteAddress: address)
    }

    /// A token request from the public client, which sends only its `client_id`.
    func publicRequest(_ parameters: [String: String]) -> TokenRequest {
        TokenRequest(parameters: parameters.merging(["client_id": publicClient.clientID]) { $1 }, basic: nil)
    }

    /// A request from the client with no switch on.
    func switchedOffRequest(_ parameters: [String: String]) -> TokenRequest {
        TokenRequest(parameters: parameters, basic: BasicCredentials(clientID: switchedOff.clientID, secret: switchedOffSecret))
    }

    func token(_ request: TokenRequest) async throws -> IssuedTokens { try await server.token(request, in: workspace) }

    /// Alice's password grant through the confidential client.
    func passwordGrant(scope: String? = nil) async throws -> IssuedTokens {
        var parameters = ["grant_type": "password", "username": "alice", "password": Self.alicePassword]
        parameters["scope"] = scope
        return try await token(request(parameters))
    }

    func refresh(_ refreshToken: String?, scope: String? = nil) async throws -> IssuedTokens {
        var parameters = ["grant_type": "refresh_token"]
        parameters["refresh_token"] = refreshToken
        parameters["scope"] = scope
        return try await token(request(parameters))
    }

    /// A code the authorization endpoint issued to Alice, as after her consent.
    func authorizationCode(
        for client: OAuthClient? = nil, redirectURIWasSent: Bool = true, codeChallenge: String? = nil, scope: ScopeSet = .everything
    ) async throws -> String {
        let approved = ValidatedAuthorizationRequest(
            client: client ?? confidential, responseType: .code, redirectURI: Self.redirectURI, redirectURIWasSent: redirectURIWasSent,
            target: TokenTarget(resources: [], scope: scope), state: nil, codeChallenge: codeChallenge)
        return try await AuthorizationCodeService(server: server, codes: repositories.codes).issueCode(for: approved, user: alice, in: workspace)
    }

    func introspect(_ token: String) async throws -> Introspection {
        try await server.introspect(request(["token": token]), in: workspace)
    }
}
