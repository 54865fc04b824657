/// The answer to an introspection request (RFC 7662 §2.2).
public struct Introspection: Sendable, Equatable {
    public enum TokenKind: String, Sendable { case accessToken = "Bearer", refreshToken = "refresh_token" }

    public let active: Bool
    public let kind: TokenKind?
    public let scope: String?
    public let clientID: String?
    public let subject: String?
    public let audience: [String]?
    public let issuer: String?
    public let tokenID: String?
    public let issuedAt: Int64?
    public let notBefore: Int64?
    public let expiresAt: Int64?
    public let workspace: String?

    /// RFC 7662 §2.2: an inactive token is described by `active: false` and nothing else.
    public static let inactive = Introspection(
        active: false, kind: nil, scope: nil, clientID: nil, subject: nil, audience: nil, issuer: nil, tokenID: nil, issuedAt: nil,
        notBefore: nil, expiresAt: nil)

    init(
        active: Bool, kind: TokenKind?, scope: String?, clientID: String?, subject: String?, audience: [String]?, issuer: String?,
        tokenID: String?, issuedAt: Int64?, notBefore: Int64?, expiresAt: Int64?, workspace: String? = nil
    ) {
        self.active = active
        self.kind = kind
        self.scope = scope
        self.clientID = clientID
        self.subject = subject
        self.audience = audience
        self.issuer = issuer
        self.tokenID = tokenID
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.workspace = workspace
    }

    /// A live access token, as its claims describe it.
    init(accessToken claims: AccessTokenClaims) {
        self.init(
            active: true, kind: .accessToken, scope: claims.scope, clientID: claims.clientID, subject: claims.subject,
            audience: claims.audience, issuer: claims.issuer, tokenID: claims.tokenID, issuedAt: claims.issuedAt,
            notBefore: claims.notBefore, expiresAt: claims.expiresAt, workspace: claims.workspace)
    }
}

extension AuthorizationServer {
    /// RFC 7009 §2.1: revokes an access token (by its `jti`) or a refresh token (with its whole grant). Unknown,
    /// malformed, expired or foreign tokens are answered the same as a success (§2.2), so a caller learns nothing.
    public func revoke(_ request: TokenRequest, in workspace: Workspace) async throws {
        let client = try await authenticateClient(request, in: workspace, confidentialOnly: false).client
        guard let token = request["token"] else { throw OAuthError.invalidRequest("Missing parameter: \"token\" is required") }
        let now = clock.now()
        // The hint only decides which kind is tried first (§2.1).
        let refreshFirst = request["token_type_hint"] == "refresh_token"
        for tryRefresh in refreshFirst ? [true, false] : [false, true] {
            if tryRefresh {
                guard OpaqueSecret.hasShape(token, of: .refreshToken),
                    let record = try await grants.refreshToken(hash: OpaqueSecret.hash(token)),
                    record.clientRowID == client.id
                else { continue }
                try await revokeGrant(record.grantID, now: now)
                return
            } else {
                guard let claims = try? codec.verify(token, now: now), claims.clientID == client.clientID, belongs(claims, to: workspace)
                else { continue }
                let revocation = Revocation(
                    kind: .token, value: claims.tokenID, revokedAt: now, expiresAt: claims.expiresAt, workspaceID: workspace.id)
                try await revocations.record(revocation)
                revocationList.apply([revocation])
                return
            }
        }
    }

    /// RFC 7662: whether a token is active, and what it says. Only confidential clients of the workspace may ask
    /// (resource servers are registered as clients).
    /// `resourceServersOfAnyWorkspace`: the route names no workspace (pm4's), so a resource server's credentials say
    /// which one it is, and its tokens are checked there (an API of another workspace finds this endpoint in the
    /// metadata too).
    public func introspect(_ request: TokenRequest, in workspace: Workspace, resourceServersOfAnyWorkspace: Bool = false) async throws
        -> Introspection
    {
        if let basic = request.basic, basic.clientID.hasPrefix(ResourceServer.clientIDPrefix) {
            let resource = try await authenticateResourceServer(
                basic, in: resourceServersOfAnyWorkspace ? nil : workspace, address: request.remoteAddress)
            guard let token = request["token"] else { throw OAuthError.invalidRequest("Missing parameter: \"token\" is required") }
            guard let own = resource.workspaceID == workspace.id ? workspace : try await workspaces.workspace(id: resource.workspaceID) else {
                throw OAuthError.invalidClient
            }
            return introspect(token, for: resource, in: own)
        }
        let caller = try await authenticateClient(request, in: workspace, confidentialOnly: true).client
        guard let token = request["token"] else { throw OAuthError.invalidRequest("Missing parameter: \"token\" is required") }
        let now = clock.now()
        if OpaqueSecret.hasShape(token, of: .refreshToken) {
            guard let record = try await grants.refreshToken(hash: OpaqueSecret.hash(token)), record.workspaceID == workspace.id,
                Self.mayIntrospect(issuedTo: record.clientRowID == caller.id, by: caller),
                record.usedAt == nil, record.revokedAt == nil, record.expiresAt > now,
                let owner = try await clients.client(id: record.clientRowID)
            else { return .inactive }
            return Introspection(
                active: true, kind: .refreshToken, scope: record.scope.description, clientID: owner.clientID,
                subject: record.userID.map(String.init), audience: nil, issuer: codec.issuer, tokenID: nil, issuedAt: nil,
                notBefore: nil, expiresAt: record.expiresAt)
        }
        guard let claims = try? codec.verify(token, now: now), belongs(claims, to: workspace),
            Self.mayIntrospect(issuedTo: claims.clientID == caller.clientID, by: caller),
            !revocationList.isRevoked(claims)
        else { return .inactive }
        return Introspection(accessToken: claims)
    }

    /// A resource server learns only about access tokens for itself (its URI in `aud`); refresh tokens and every
    /// other token are `active: false` to it (RFC 7662 §4).
    func introspect(_ token: String, for resource: ResourceServer, in workspace: Workspace) -> Introspection {
        guard let claims = try? codec.verify(token, now: clock.now()), claims.workspace == workspace.name,
            claims.audience.contains(where: { RedirectURIPolicy.sameBytes($0, resource.uri) }), !revocationList.isRevoked(claims)
        else { return .inactive }
        return Introspection(accessToken: claims)
    }

    /// A resource server's HTTP Basic credentials (the revocation feed, introspection, the nginx check). Failures are
    /// throttled per address like a client's; its secret carries 256 random bits, so no count per id is needed.
    public func authenticateResourceServer(_ basic: BasicCredentials, in workspace: Workspace?, address: String?) async throws
        -> ResourceServer
    {
        // The right credentials pass even from an address that failures have blocked: a resource server polls the
        // revocation feed every second, and anyone sharing its address (a NAT, a host) who kept the block up would
        // blind it to revocations (second attacker's pass, issue 15). Its secret carries 256 random bits, so the block
        // guards nothing a guess could reach; wrong credentials from a blocked address still get 429.
        let now = clock.now()
        if let server = resources.server(clientID: basic.clientID), workspace.map({ $0.id == server.workspaceID }) ?? true,
            secrets.verify(basic.secret, against: server.secretHash)
        {
            return server
        }
        if let addressKey = address.map({ ThrottleKey(.address, $0) }) {
            try await limiter.check(addressKey, now: now)
            await limiter.recordFailure(addressKey, now: now)
        }
        throw OAuthError.invalidClient
    }

    /// RFC 7662 §4: the server decides who may learn about a token. The client it was issued to may; any other client
    /// only when an administrator switched `mayIntrospect` on (a resource server). Everyone else hears `active: false`,
    /// exactly what an unknown token gets (§2.2), so a client learns nothing about the tokens of others.
    static func mayIntrospect(issuedTo isIssuedToCaller: Bool, by caller: OAuthClient) -> Bool {
        isIssuedToCaller || caller.mayIntrospect
    }

    /// Client authentication for the token, revocation and introspection endpoints, throttled per address.
    ///
    /// Client secrets carry 256 random bits: nobody guesses one, so failures are counted per address only. Counting
    /// them per client id would let anyone who knows a public client id lock the client out.
    func authenticateClient(_ request: TokenRequest, in workspace: Workspace, confidentialOnly: Bool) async throws
        -> AuthenticatedClient
    {
        let now = clock.now()
        let addressKey = request.remoteAddress.map { ThrottleKey(.address, $0) }
        if let addressKey { try await limiter.check(addressKey, now: now) }
        do {
            let authenticated = try await ClientAuthenticator(clients: clients, secrets: secrets).authenticate(request, in: workspace)
            if confidentialOnly && authenticated.method == .none { throw OAuthError.invalidClient }
            return authenticated
        } catch OAuthError.invalidClient {
            if let addressKey { await limiter.recordFailure(addressKey, now: now) }
            throw OAuthError.invalidClient
        }
    }
}
