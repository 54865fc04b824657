/// A personal access token's stored row: what the token pages list. The token itself is a JWT and is not stored.
public struct PersonalTokenRecord: Sendable, Equatable {
    public let id: Int
    public let workspaceID: Int
    public let userID: Int
    public let clientRowID: Int
    public let name: String
    public let scope: ScopeSet
    /// The token's `jti`, for revoking it.
    public let tokenID: String
    public let createdAt: Int64
    public let updatedAt: Int64
    public let expiresAt: Int64
    public let lastUsedAt: Int64?
    public let revokedAt: Int64?

    public init(
        id: Int, workspaceID: Int, userID: Int, clientRowID: Int, name: String, scope: ScopeSet, tokenID: String, createdAt: Int64,
        updatedAt: Int64, expiresAt: Int64, lastUsedAt: Int64?, revokedAt: Int64?
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.userID = userID
        self.clientRowID = clientRowID
        self.name = name
        self.scope = scope
        self.tokenID = tokenID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Neither revoked nor expired.
    public func isLive(at now: Int64) -> Bool { revokedAt == nil && expiresAt > now }
}

public protocol PersonalTokenRepository: Sendable {
    /// Stores the row and returns it with its id.
    func create(
        workspaceID: Int, userID: Int, clientRowID: Int, name: String, scope: ScopeSet, tokenID: String, expiresAt: Int64, now: Int64
    ) async throws -> PersonalTokenRecord
    func tokens(userID: Int) async throws -> [PersonalTokenRecord]
    func token(id: Int) async throws -> PersonalTokenRecord?
    /// Marks the row revoked and records the revocation of its token, in one transaction.
    func revoke(id: Int, revocation: Revocation, now: Int64) async throws
    /// Records last-used times, never moving one backwards.
    func recordUse(_ uses: [Int: Int64]) async throws
}
