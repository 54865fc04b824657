/// A user as ProcessMaker 4's REST API shows it (`/api/1.0/users`). No password, no hash.
public struct UserResource: Codable, Sendable, Equatable {
    public var id: Int
    public var uid: String
    public var username: String
    public var email: String?
    public var firstname: String
    public var lastname: String
    public var fullname: String
    /// `ACTIVE` or `INACTIVE`.
    public var status: String
    public var isAdministrator: Bool
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: Int, uid: String, username: String, email: String?, firstname: String, lastname: String, status: String,
        isAdministrator: Bool, createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.uid = uid
        self.username = username
        self.email = email
        self.firstname = firstname
        self.lastname = lastname
        self.fullname = [firstname, lastname].filter { !$0.isEmpty }.joined(separator: " ")
        self.status = status
        self.isAdministrator = isAdministrator
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, uid, username, email, firstname, lastname, fullname, status
        case isAdministrator = "is_administrator"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// ProcessMaker 4's list envelope: `{"data": […], "meta": {…}}`.
public struct ListResponse<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var data: [Item]
    public var meta: ListMeta
    public init(data: [Item], meta: ListMeta) {
        self.data = data
        self.meta = meta
    }
}

/// Paging details of a list, as ProcessMaker 4 (Laravel's paginator) names them.
public struct ListMeta: Codable, Sendable, Equatable {
    public var filter: String
    public var sortBy: String
    public var sortOrder: String
    public var count: Int
    public var total: Int
    public var perPage: Int
    public var currentPage: Int
    public var totalPages: Int
    public var lastPage: Int
    public var from: Int?
    public var to: Int?
    public var path: String

    public init(filter: String, sortBy: String, sortOrder: String, count: Int, total: Int, perPage: Int, currentPage: Int, path: String) {
        self.filter = filter
        self.sortBy = sortBy
        self.sortOrder = sortOrder
        self.count = count
        self.total = total
        self.perPage = perPage
        self.currentPage = currentPage
        self.totalPages = max(1, (total + perPage - 1) / perPage)
        self.lastPage = totalPages
        self.from = count == 0 ? nil : (currentPage - 1) * perPage + 1
        self.to = count == 0 ? nil : (currentPage - 1) * perPage + count
        self.path = path
    }

    enum CodingKeys: String, CodingKey {
        case filter, count, total, from, to, path
        case sortBy = "sort_by"
        case sortOrder = "sort_order"
        case perPage = "per_page"
        case currentPage = "current_page"
        case totalPages = "total_pages"
        case lastPage = "last_page"
    }
}

/// A user as ProcessMaker 3's REST API shows it (`/api/1.0/{workspace}/users`).
public struct PM3UserResource: Codable, Sendable, Equatable {
    public var usrUID: String
    public var usrUsername: String
    public var usrFirstname: String
    public var usrLastname: String
    public var usrEmail: String
    public var usrStatus: String
    public var usrCreateDate: String
    public var usrUpdateDate: String

    public init(
        usrUID: String, usrUsername: String, usrFirstname: String, usrLastname: String, usrEmail: String, usrStatus: String,
        usrCreateDate: String, usrUpdateDate: String
    ) {
        self.usrUID = usrUID
        self.usrUsername = usrUsername
        self.usrFirstname = usrFirstname
        self.usrLastname = usrLastname
        self.usrEmail = usrEmail
        self.usrStatus = usrStatus
        self.usrCreateDate = usrCreateDate
        self.usrUpdateDate = usrUpdateDate
    }

    enum CodingKeys: String, CodingKey {
        case usrUID = "usr_uid"
        case usrUsername = "usr_username"
        case usrFirstname = "usr_firstname"
        case usrLastname = "usr_lastname"
        case usrEmail = "usr_email"
        case usrStatus = "usr_status"
        case usrCreateDate = "usr_create_date"
        case usrUpdateDate = "usr_update_date"
    }
}

/// ProcessMaker 4's validation failure (HTTP 422): `{"message": …, "errors": {field: [messages]}}`.
public struct ValidationErrorResponse: Codable, Sendable, Equatable {
    public var message: String
    public var errors: [String: [String]]
    public init(message: String = "The given data was invalid.", errors: [String: [String]]) {
        self.message = message
        self.errors = errors
    }
}

/// An introspection answer (RFC 7662 §2.2); inactive tokens carry only `active: false`.
public struct IntrospectionResponse: Codable, Sendable, Equatable {
    public var active: Bool
    public var scope: String?
    public var clientID: String?
    public var tokenType: String?
    public var exp: Int64?
    public var iat: Int64?
    public var nbf: Int64?
    public var sub: String?
    public var aud: Audience?
    public var iss: String?
    public var jti: String?
    /// The workspace the token belongs to (its name), a Portcullis extension.
    public var workspace: String?

    public init(
        active: Bool, scope: String? = nil, clientID: String? = nil, tokenType: String? = nil, exp: Int64? = nil, iat: Int64? = nil,
        nbf: Int64? = nil, sub: String? = nil, aud: Audience? = nil, iss: String? = nil, jti: String? = nil, workspace: String? = nil
    ) {
        self.active = active
        self.scope = scope
        self.clientID = clientID
        self.tokenType = tokenType
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.sub = sub
        self.aud = aud
        self.iss = iss
        self.jti = jti
        self.workspace = workspace
    }

    enum CodingKeys: String, CodingKey {
        case active, scope, exp, iat, nbf, sub, aud, iss, jti, workspace
        case clientID = "client_id"
        case tokenType = "token_type"
    }
}

/// An auth client as the JSON API shows it (`/oauth/clients`). The secret appears only in the response that
/// created or regenerated it.
public struct ClientResource: Codable, Sendable, Equatable {
    public var id: String
    public var clientID: String
    public var name: String
    public var description: String?
    public var website: String?
    /// ProcessMaker 4's single `redirect`: the registered URIs joined by commas.
    public var redirect: String
    public var redirectURIs: [String]
    /// Portcullis's switch names.
    public var grants: [String]
    /// ProcessMaker 4's `types` spellings of the same switches.
    public var types: [String]
    public var personalAccessClient: Bool
    public var passwordClient: Bool
    public var `public`: Bool
    public var skipConsent: Bool
    /// May introspect tokens issued to other clients (RFC 7662 §4); set only by administrators of clients.
    public var mayIntrospect: Bool
    public var userID: Int?
    public var createdAt: String
    public var updatedAt: String
    public var secret: String?

    public init(
        clientID: String, name: String, description: String?, website: String?, redirectURIs: [String], grants: [String], types: [String],
        isPublic: Bool, skipConsent: Bool, mayIntrospect: Bool = false, userID: Int?, createdAt: String, updatedAt: String, secret: String?
    ) {
        self.id = clientID
        self.clientID = clientID
        self.name = name
        self.description = description
        self.website = website
        self.redirect = redirectURIs.joined(separator: ",")
        self.redirectURIs = redirectURIs
        self.grants = grants
        self.types = types
        self.personalAccessClient = grants.contains("personal_access")
        self.passwordClient = grants.contains("password")
        self.public = isPublic
        self.skipConsent = skipConsent
        self.mayIntrospect = mayIntrospect
        self.userID = userID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, website, redirect, grants, types, secret
        case clientID = "client_id"
        case redirectURIs = "redirect_uris"
        case personalAccessClient = "personal_access_client"
        case passwordClient = "password_client"
        case `public`
        case skipConsent = "skip_consent"
        case mayIntrospect = "may_introspect"
        case userID = "user_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A personal access token's row as the API shows it (ProcessMaker 4's `/api/1.0/users/{id}/tokens`).
public struct PersonalTokenResource: Codable, Sendable, Equatable {
    public var id: Int
    public var userID: Int
    public var clientID: String
    public var name: String
    public var scopes: [String]
    public var revoked: Bool
    public var createdAt: String
    public var updatedAt: String
    public var expiresAt: String
    public var lastUsedAt: String?

    public init(
        id: Int, userID: Int, clientID: String, name: String, scopes: [String], revoked: Bool, createdAt: String, updatedAt: String,
        expiresAt: String, lastUsedAt: String?
    ) {
        self.id = id
        self.userID = userID
        self.clientID = clientID
        self.name = name
        self.scopes = scopes
        self.revoked = revoked
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, scopes, revoked
        case userID = "user_id"
        case clientID = "client_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
    }
}

/// The answer to creating a personal access token: the token, shown this once, and its row.
public struct PersonalTokenCreated: Codable, Sendable, Equatable {
    public var accessToken: String
    public var token: PersonalTokenResource
    public init(accessToken: String, token: PersonalTokenResource) {
        self.accessToken = accessToken
        self.token = token
    }
}
