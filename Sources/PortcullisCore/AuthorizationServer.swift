import Foundation
public import Logging

/// A clock in whole seconds since the epoch; tests substitute their own.
public struct Clock: Sendable {
    public let now: @Sendable () -> Int64
    public init(now: @escaping @Sendable () -> Int64) { self.now = now }
    public static let system = Clock { Int64(Date().timeIntervalSince1970) }
}

/// The rules of the authorization server, free of HTTP and of any database: the server hands it parsed
/// requests, and it answers with tokens or an `OAuthError`.
public struct AuthorizationServer: Sendable {
    public let workspaces: any WorkspaceRepository
    public let users: any UserRepository
    public let clients: any ClientRepository
    public let grants: any GrantRepository
    public let revocations: any RevocationRepository
    public let passwords: any PasswordHasher
    public let secrets: ClientSecretHasher
    public let codec: AccessTokenCodec
    public let revocationList: RevocationList
    public let policy: TokenPolicy
    public let limiter: any AttemptLimiter
    public let clock: Clock
    public let logger: Logger
    /// Set when the authorization-code grant is wired (the server always wires it).
    public let codes: (any AuthorizationCodeRepository)?
    /// Where password-grant failures and throttled attempts are recorded (the login page records its own).
    public let audit: (any AuditRepository)?

    public init(
        workspaces: any WorkspaceRepository, users: any UserRepository, clients: any ClientRepository,
        grants: any GrantRepository, revocations: any RevocationRepository, passwords: any PasswordHasher,
        secrets: ClientSecretHasher, codec: AccessTokenCodec, revocationList: RevocationList, policy: TokenPolicy,
        limiter: any AttemptLimiter, clock: Clock = .system, logger: Logger, codes: (any AuthorizationCodeRepository)? = nil,
        audit: (any AuditRepository)? = nil
    ) {
        self.workspaces = workspaces
        self.users = users
        self.clients = clients
        self.grants = grants
        self.revocations = revocations
        self.passwords = passwords
        self.secrets = secrets
        self.codec = codec
        self.revocationList = revocationList
        self.policy = policy
        self.limiter = limiter
        self.clock = clock
        self.logger = logger
        self.codes = codes
        self.audit = audit
    }

    /// The grant types the token endpoint serves (RFC 8414 `grant_types_supported`).
    public static let tokenEndpointGrantTypes: [GrantType] = [.authorizationCode, .password, .clientCredentials, .refreshToken]

    /// The token endpoint (RFC 6749 §3.2): validates the grant type, throttles, authenticates the client,
    /// then runs the grant.
    public func token(_ request: TokenRequest, in workspace: Workspace) async throws -> IssuedTokens {
        guard let grantName = request["grant_type"] else {
            throw OAuthError.invalidRequest("The grant type was not specified in the request")
        }
        guard let grantType = GrantType(rawValue: grantName), Self.tokenEndpointGrantTypes.contains(grantType) else {
            throw OAuthError.unsupportedGrantType(grantName)
        }
        let authenticated = try await authenticateClient(request, in: workspace, confidentialOnly: false)

        switch grantType {
        case .password:
            return try await passwordGrant(request, client: authenticated, workspace: workspace)
        case .clientCredentials:
            return try await clientCredentialsGrant(request, client: authenticated, workspace: workspace)
        case .refreshToken:
            return try await refreshTokenGrant(request, client: authenticated, workspace: workspace)
        case .authorizationCode:
            guard let codes else { throw OAuthError.unsupportedGrantType(grantName) }
            return try await AuthorizationCodeService(server: self, codes: codes).redeem(request, client: authenticated, in: workspace)
        case .implicit, .personalAccess:
            throw OAuthError.unsupportedGrantType(grantName)
        }
    }

    /// Signs an access token for a user (or, with `userID` nil, for the client itself).
    func mintAccessToken(
        workspace: Workspace, client: OAuthClient, user: UserAccount?, scope: ScopeSet, grantID: Int?, now: Int64,
        lifetime: Int64? = nil
    ) throws -> (token: String, claims: AccessTokenClaims) {
        let claims = AccessTokenClaims(
            issuer: codec.issuer,
            subject: user.map { String($0.id) } ?? client.clientID,
            audience: codec.audience(for: workspace),
            clientID: client.clientID,
            scope: scope,
            tokenID: Base64URL.encode(SecureRandom.bytes(16)),
            grantID: grantID.map(String.init),
            userVersion: user?.tokenVersion,
            issuedAt: now,
            expiresAt: now + (lifetime ?? policy.accessTokenLifetime)
        )
        return (try codec.sign(claims), claims)
    }
}
