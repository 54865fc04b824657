/// Storage as Core sees it. PortcullisStore implements these on FluentKit; tests may use fakes.
/// Every method returns Core's Sendable values; no database type crosses this line.

/// Why a repository refused a write.
public enum RepositoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique field already holds this value; carries the field name.
    case duplicate(String)
    /// The row to change does not exist.
    case notFound
    /// The database cannot be reached.
    case unavailable

    public var description: String {
        switch self {
        case .duplicate(let field): "\(field) is already taken"
        case .notFound: "not found"
        case .unavailable: "the database is unavailable"
        }
    }
}

public protocol WorkspaceRepository: Sendable {
    func workspace(named name: String) async throws -> Workspace?
    func workspace(id: Int) async throws -> Workspace?
    func allWorkspaces() async throws -> [Workspace]
    /// Throws `.duplicate("name")` when the name is taken.
    func createWorkspace(named name: String, now: Int64) async throws -> Workspace
}

/// The fields of a user to create.
public struct NewUser: Sendable {
    public var workspaceID: Int
    public var username: String
    public var email: String?
    public var firstName: String
    public var lastName: String
    public var passwordHash: String
    public var isSuperAdmin: Bool
    public var isActive: Bool
    public var permissions: Set<Permission>

    public init(
        workspaceID: Int, username: String, email: String? = nil, firstName: String = "", lastName: String = "",
        passwordHash: String, isSuperAdmin: Bool = false, isActive: Bool = true, permissions: Set<Permission> = []
    ) {
        self.workspaceID = workspaceID
        self.username = username
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.passwordHash = passwordHash
        self.isSuperAdmin = isSuperAdmin
        self.isActive = isActive
        self.permissions = permissions
    }
}

public protocol UserRepository: Sendable {
    func user(id: Int) async throws -> UserAccount?
    /// Usernames are matched case-insensitively within a workspace.
    func user(username: String, workspaceID: Int) async throws -> UserAccount?
    /// Throws `.duplicate("username")` when the name is taken in the workspace.
    func createUser(_ user: NewUser, now: Int64) async throws -> UserAccount
    func countUsers(workspaceID: Int) async throws -> Int
}

/// The fields of a client to register.
public struct NewClient: Sendable {
    public var workspaceID: Int
    public var clientID: String
    public var name: String
    public var description: String?
    public var website: String?
    public var redirectURIs: [String]
    public var grants: ClientGrants
    public var isConfidential: Bool
    public var secretHash: String?
    public var ownerUserID: Int?
    public var skipsConsent: Bool
    public var mayIntrospect: Bool

    public init(
        workspaceID: Int, clientID: String, name: String, description: String? = nil, website: String? = nil,
        redirectURIs: [String] = [], grants: ClientGrants, isConfidential: Bool, secretHash: String?,
        ownerUserID: Int? = nil, skipsConsent: Bool = false, mayIntrospect: Bool = false
    ) {
        self.workspaceID = workspaceID
        self.clientID = clientID
        self.name = name
        self.description = description
        self.website = website
        self.redirectURIs = redirectURIs
        self.grants = grants
        self.isConfidential = isConfidential
        self.secretHash = secretHash
        self.ownerUserID = ownerUserID
        self.skipsConsent = skipsConsent
        self.mayIntrospect = mayIntrospect
    }
}

public protocol ClientRepository: Sendable {
    func client(clientID: String, workspaceID: Int) async throws -> OAuthClient?
    func client(id: Int) async throws -> OAuthClient?
    func clients(workspaceID: Int) async throws -> [OAuthClient]
    /// Throws `.duplicate("name")` when the name is taken in the workspace.
    func createClient(_ client: NewClient, now: Int64) async throws -> OAuthClient
    /// Changes what an administrator may edit; throws `.duplicate("name")` or `.notFound`.
    func updateClient(id: Int, with registration: ClientRegistration, secretHash: String?, now: Int64) async throws -> OAuthClient
    /// Replaces the secret's hash: the old secret stops working at once.
    func replaceSecret(id: Int, secretHash: String, now: Int64) async throws
    /// Revokes the client's grants and refresh tokens, deletes its unused codes and records `revocation` for its access
    /// tokens, in one transaction.
    func revokeGrants(clientRowID: Int, revocation: Revocation) async throws
    /// Deletes the client (its grants, refresh tokens and codes go with it) and records `revocation` for its access
    /// tokens, in one transaction. Returns false when there was no such client.
    func deleteClient(id: Int, revocation: Revocation) async throws -> Bool
}

/// A grant: one login or consent of a user (or none) to a client, the family every token descends from.
public struct NewGrant: Sendable {
    public var workspaceID: Int
    public var clientRowID: Int
    public var userID: Int?
    public var scope: ScopeSet
    public var grantType: GrantType

    public init(workspaceID: Int, clientRowID: Int, userID: Int?, scope: ScopeSet, grantType: GrantType) {
        self.workspaceID = workspaceID
        self.clientRowID = clientRowID
        self.userID = userID
        self.scope = scope
        self.grantType = grantType
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

    public init(
        id: Int, grantID: Int, workspaceID: Int, clientRowID: Int, userID: Int?, scope: ScopeSet, expiresAt: Int64,
        usedAt: Int64?, revokedAt: Int64?
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
    }
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

public protocol RevocationRepository: Sendable {
    func record(_ revocation: Revocation) async throws
    /// Rows that are still in force at `now`.
    func activeRevocations(now: Int64) async throws -> [Revocation]
    /// Rows written at or after `since`, for the once-a-second mirror refresh.
    func revocations(recordedSince since: Int64, now: Int64) async throws -> [Revocation]
}

/// A signing key as stored, with its private half sealed.
public struct StoredSigningKey: Sendable {
    public enum State: String, Sendable, Codable { case active, retired }
    public let kid: String
    public let algorithm: SigningAlgorithm
    public let sealedPrivateKey: String
    public let state: State
    public let createdAt: Int64
    /// For retired keys: when the last token it signed expires; the key is published until then.
    public let publishUntil: Int64?

    public init(
        kid: String, algorithm: SigningAlgorithm, sealedPrivateKey: String, state: State, createdAt: Int64,
        publishUntil: Int64?
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.sealedPrivateKey = sealedPrivateKey
        self.state = state
        self.createdAt = createdAt
        self.publishUntil = publishUntil
    }
}

public protocol SigningKeyRepository: Sendable {
    /// The active key and every retired key still published at `now`.
    func publishedKeys(now: Int64) async throws -> [StoredSigningKey]
    /// Every key, for `keys list`.
    func allKeys() async throws -> [StoredSigningKey]
    /// Stores `key` as the active key and retires the previous one, published until `retiredPublishUntil`,
    /// in one transaction.
    func activate(_ key: StoredSigningKey, retiredPublishUntil: Int64, now: Int64) async throws
    /// Stores `key` as the active key only if there is none yet; returns false if another process won.
    func activateFirst(_ key: StoredSigningKey) async throws -> Bool
}

/// Hashing and checking people's passwords (bcrypt in the server), off the request threads.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async -> Bool
    /// Spends the same time as `verify` against a real hash, for unknown usernames.
    func verifyAgainstDummy(_ password: String) async
}

/// The columns a user list may be sorted by (ProcessMaker 4's `order_by`).
public enum UserSortField: String, Sendable, CaseIterable {
    case id, username, email, firstname, lastname, status
    case createdAt = "created_at"
    case updatedAt = "updated_at"
}

/// A page of users: a filter over username, names and email, a sort, a window.
public struct UserQuery: Sendable {
    public var filter: String?
    public var sort: UserSortField
    public var descending: Bool
    public var limit: Int
    public var offset: Int

    public init(filter: String? = nil, sort: UserSortField = .username, descending: Bool = false, limit: Int = 10, offset: Int = 0) {
        self.filter = filter
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }
}

/// Fields to change on a user; nil leaves a field as it is.
public struct UserChanges: Sendable {
    public var username: String?
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    public var passwordHash: String?
    public var isActive: Bool?
    public var isSuperAdmin: Bool?
    public var permissions: Set<Permission>?

    public init(
        username: String? = nil, email: String? = nil, firstName: String? = nil, lastName: String? = nil, passwordHash: String? = nil,
        isActive: Bool? = nil, isSuperAdmin: Bool? = nil, permissions: Set<Permission>? = nil
    ) {
        self.username = username
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.passwordHash = passwordHash
        self.isActive = isActive
        self.isSuperAdmin = isSuperAdmin
        self.permissions = permissions
    }
}

/// Listing, changing and removing users.
public protocol UserAdministrationRepository: Sendable {
    func users(workspaceID: Int, query: UserQuery) async throws -> (users: [UserAccount], total: Int)
    /// ProcessMaker 3's `usr_uid`.
    func user(uid: String, workspaceID: Int) async throws -> UserAccount?
    /// Throws `.duplicate("username")` or `.notFound`.
    func updateUser(id: Int, changes: UserChanges, now: Int64) async throws -> UserAccount
    /// Returns false when there was no such user.
    func deleteUser(id: Int) async throws -> Bool
    /// Revokes every grant of the user, raises its token version and records that as a revocation, in one
    /// transaction. Returns the revocation, for the local mirror.
    func revokeEverything(ofUser userID: Int, now: Int64, horizon: Int64) async throws -> Revocation
}

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

    public init(
        hash: String, workspaceID: Int, clientRowID: Int, userID: Int, redirectURI: String, redirectURIWasSent: Bool, scope: ScopeSet,
        codeChallenge: String?, expiresAt: Int64, userTokenVersion: Int
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

    public init(
        id: Int, workspaceID: Int, clientRowID: Int, userID: Int, redirectURI: String, redirectURIWasSent: Bool, scope: ScopeSet,
        codeChallenge: String?, expiresAt: Int64, usedAt: Int64?, grantID: Int?, userTokenVersion: Int
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
    }
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

/// Something worth a trail: sign-ins, throttling, token reuse. Never a secret.
public struct AuditEvent: Sendable {
    public var workspaceID: Int?
    public var kind: String
    public var userID: Int?
    /// A username as typed, a client id: who or what the event is about.
    public var subject: String?
    public var address: String?
    public var createdAt: Int64

    public init(workspaceID: Int?, kind: String, userID: Int? = nil, subject: String? = nil, address: String? = nil, createdAt: Int64) {
        self.workspaceID = workspaceID
        self.kind = kind
        self.userID = userID
        self.subject = subject
        self.address = address
        self.createdAt = createdAt
    }
}

public protocol AuditRepository: Sendable {
    func record(_ event: AuditEvent) async throws
    func recent(workspaceID: Int, limit: Int) async throws -> [AuditEvent]
}

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

/// Workspace-wide settings.
public protocol WorkspaceSettingsRepository: Sendable {
    /// The longest lifetime, in days, a personal access token may have in the workspace; nil: no limit of its own.
    func maximumPersonalTokenDays(workspaceID: Int) async throws -> Int?
    func setMaximumPersonalTokenDays(_ days: Int?, workspaceID: Int) async throws
}
