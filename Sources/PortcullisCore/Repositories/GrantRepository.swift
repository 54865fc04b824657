/// A grant: one login or consent of a user (or none) to a client, the family every token descends from.
public struct NewGrant: Sendable {
    public var workspaceID: Int
    public var clientRowID: Int
    public var userID: Int?
    public var scope: ScopeSet
    public var grantType: GrantType
    /// The resource servers the grant is for (RFC 8707); empty for the workspace's own API.
    public var resources: [String]

    public init(workspaceID: Int, clientRowID: Int, userID: Int?, scope: ScopeSet, grantType: GrantType, resources: [String] = []) {
        self.workspaceID = workspaceID
        self.clientRowID = clientRowID
        self.userID = userID
        self.scope = scope
        self.grantType = grantType
        self.resources = resources
    }
}

/// A refresh token to store: only its hash.
public struct NewRefreshToken: Sendable {
    public var hash: String
    public var parentID: Int?
    public var expiresAt: Int64

    public init(hash: String, parentID: Int?, expiresAt: Int64) {
        self.hash = hash
        self.parentID = parentID
        self.expiresAt = expiresAt
    }
}

/// A stored refresh token with what its grant says.
public struct RefreshTokenRecord: Sendable {
    public let id: Int
    public let grantID: Int
    public let workspaceID: Int
    public let clientRowID: Int
    public let userID: Int?
    public let scope: ScopeSet
    public let expiresAt: Int64
    public let usedAt: Int64?
    /// Set when the token or its grant was revoked.
    public let revokedAt: Int64?
    /// The grant's resources (RFC 8707); empty for the workspace's own API.
    public let resources: [String]

    public init(
        id: Int, grantID: Int, workspaceID: Int, clientRowID: Int, userID: Int?, scope: ScopeSet, expiresAt: Int64,
        usedAt: Int64?, revokedAt: Int64?, resources: [String] = []
    ) {
        self.id = id
        self.grantID = grantID
        self.workspaceID = workspaceID
        self.clientRowID = clientRowID
        self.userID = userID
        self.scope = scope
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
        self.resources = resources
    }

    /// What the grant's tokens are for.
    public var target: TokenTarget { TokenTarget(resources: resources, scope: scope) }
}

public protocol GrantRepository: Sendable {
    /// Creates a grant and, when given, its first refresh token, in one transaction. Returns the grant id.
    func createGrant(_ grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) async throws -> Int
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// Marks the token used and stores its successor, atomically: one conditional update
    /// (`… WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`). Returns false when another request
    /// used or revoked it first; then nothing is written.
    func rotateRefreshToken(id: Int, grantID: Int, successor: NewRefreshToken, now: Int64) async throws -> Bool
    /// Revokes a grant: the grant, its refresh tokens, and a revocation row for its access tokens, in one
    /// transaction. Revoking a revoked grant is harmless.
    func revokeGrant(id: Int, now: Int64, accessTokenHorizon: Int64) async throws
}
