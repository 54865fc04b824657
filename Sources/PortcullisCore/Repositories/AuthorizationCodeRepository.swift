/// An authorization code to store: only its hash, with everything it is bound to.
public struct NewAuthorizationCode: Sendable {
    public var hash: String
    public var workspaceID: Int
    public var clientRowID: Int
    public var userID: Int
    public var redirectURI: String
    public var redirectURIWasSent: Bool
    public var scope: ScopeSet
    public var codeChallenge: String?
    public var expiresAt: Int64
    /// The user's token version at issue: a code issued before everything the user held was revoked is refused.
    public var userTokenVersion: Int
    /// The resources the authorization request named (RFC 8707 §2.1).
    public var resources: [String]

    public init(
        hash: String, workspaceID: Int, clientRowID: Int, userID: Int, redirectURI: String, redirectURIWasSent: Bool, scope: ScopeSet,
        codeChallenge: String?, expiresAt: Int64, userTokenVersion: Int, resources: [String] = []
    ) {
        self.hash = hash
        self.workspaceID = workspaceID
        self.clientRowID = clientRowID
        self.userID = userID
        self.redirectURI = redirectURI
        self.redirectURIWasSent = redirectURIWasSent
        self.scope = scope
        self.codeChallenge = codeChallenge
        self.expiresAt = expiresAt
        self.userTokenVersion = userTokenVersion
        self.resources = resources
    }
}

/// A stored authorization code.
public struct AuthorizationCodeRecord: Sendable {
    public let id: Int
    public let workspaceID: Int
    public let clientRowID: Int
    public let userID: Int
    public let redirectURI: String
    public let redirectURIWasSent: Bool
    public let scope: ScopeSet
    public let codeChallenge: String?
    public let expiresAt: Int64
    public let usedAt: Int64?
    /// The grant the code was redeemed for.
    public let grantID: Int?
    /// The user's token version when the code was issued.
    public let userTokenVersion: Int
    public let resources: [String]

    public init(
        id: Int, workspaceID: Int, clientRowID: Int, userID: Int, redirectURI: String, redirectURIWasSent: Bool, scope: ScopeSet,
        codeChallenge: String?, expiresAt: Int64, usedAt: Int64?, grantID: Int?, userTokenVersion: Int, resources: [String] = []
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.clientRowID = clientRowID
        self.userID = userID
        self.redirectURI = redirectURI
        self.redirectURIWasSent = redirectURIWasSent
        self.scope = scope
        self.codeChallenge = codeChallenge
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.grantID = grantID
        self.userTokenVersion = userTokenVersion
        self.resources = resources
    }

    public var target: TokenTarget { TokenTarget(resources: resources, scope: scope) }
}

public protocol AuthorizationCodeRepository: Sendable {
    func store(_ code: NewAuthorizationCode, now: Int64) async throws
    /// Marks the code used, atomically (`… WHERE code_hash = ? AND client_row_id = ? AND used_at IS NULL`), and
    /// returns it; nil when it is unknown, another client's, or already used.
    func consume(hash: String, clientRowID: Int, now: Int64) async throws -> AuthorizationCodeRecord?
    func code(hash: String) async throws -> AuthorizationCodeRecord?
    /// Records that a used code was presented again; returns the grant it was redeemed for, if any yet.
    func markReplayed(id: Int, now: Int64) async throws -> Int?
    /// Creates the grant (and refresh token) the code is redeemed for and links it to the code, in one
    /// transaction, unless a replay was recorded first: then nothing is written and nil is returned.
    func createGrant(forCode id: Int, grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) async throws -> Int?
}
