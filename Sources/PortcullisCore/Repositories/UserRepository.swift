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
