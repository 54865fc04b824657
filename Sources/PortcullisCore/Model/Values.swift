/// A tenant: every user, client, grant and token belongs to exactly one workspace.
public struct Workspace: Sendable, Hashable {
    public let id: Int
    public let name: String
    public init(id: Int, name: String) {
        self.id = id
        self.name = name
    }

    /// ProcessMaker's default workspace, which the pm4 routes use.
    public static let defaultName = "workflow"

    /// Workspace names appear in URLs (`/{workspace}/oauth2/token`, `/sys{workspace}/…`):
    /// letters, digits, `_` and `-`, starting with a letter, at most 64 characters.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64,
            ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }
}

/// Permissions, named as ProcessMaker names them (DESIGN.md, data section).
public enum Permission: String, Sendable, CaseIterable, Codable {
    case viewAuthClients = "view-auth_clients"
    case createAuthClients = "create-auth_clients"
    case editAuthClients = "edit-auth_clients"
    case deleteAuthClients = "delete-auth_clients"
    case viewUsers = "view-users"
    case createUsers = "create-users"
    case editUsers = "edit-users"
    case deleteUsers = "delete-users"
    /// ProcessMaker 3: may register applications and manage the ones it owns.
    case restAPIApplications = "PM_REST_API_APPLICATIONS"
}

/// A person who can sign in. The password hash never leaves the store except to be verified.
public struct UserAccount: Sendable, Hashable {
    public let id: Int
    public let workspaceID: Int
    /// ProcessMaker 3's 32-character `usr_uid`.
    public let uid: String
    public let username: String
    public let email: String?
    public let firstName: String
    public let lastName: String
    public let passwordHash: String
    public let isSuperAdmin: Bool
    public let isActive: Bool
    /// Raised whenever everything the user holds is revoked; tokens carry the version they were issued under.
    public let tokenVersion: Int
    public let permissions: Set<Permission>
    public let createdAt: Int64
    public let updatedAt: Int64

    public init(
        id: Int, workspaceID: Int, uid: String, username: String, email: String?, firstName: String, lastName: String,
        passwordHash: String, isSuperAdmin: Bool, isActive: Bool, tokenVersion: Int = 0, permissions: Set<Permission>, createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.uid = uid
        self.username = username
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.passwordHash = passwordHash
        self.isSuperAdmin = isSuperAdmin
        self.isActive = isActive
        self.tokenVersion = tokenVersion
        self.permissions = permissions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A super admin has every permission.
    public func has(_ permission: Permission) -> Bool { isSuperAdmin || permissions.contains(permission) }
}

/// A registered application ("auth client").
public struct OAuthClient: Sendable, Hashable {
    /// The row id; never shown to clients.
    public let id: Int
    /// The public identifier the application sends as `client_id`.
    public let clientID: String
    public let workspaceID: Int
    public let name: String
    public let description: String?
    public let website: String?
    public let redirectURIs: [String]
    public let grants: ClientGrants
    /// Confidential clients hold a secret; public ones (native and browser apps) must use PKCE.
    public let isConfidential: Bool
    /// HMAC-SHA256 of the secret under the server key, hex; nil for public clients.
    public let secretHash: String?
    /// The user who registered it (ProcessMaker 3's per-owner management).
    public let ownerUserID: Int?
    /// First-party applications may skip the consent screen; off by default.
    public let skipsConsent: Bool
    /// RFC 7662 §4: may introspect tokens issued to other clients of the workspace (a resource server); off by
    /// default, when a client learns only about its own tokens.
    public let mayIntrospect: Bool
    public let createdAt: Int64
    public let updatedAt: Int64

    public init(
        id: Int, clientID: String, workspaceID: Int, name: String, description: String?, website: String?,
        redirectURIs: [String], grants: ClientGrants, isConfidential: Bool, secretHash: String?, ownerUserID: Int?,
        skipsConsent: Bool, mayIntrospect: Bool = false, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.clientID = clientID
        self.workspaceID = workspaceID
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
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
