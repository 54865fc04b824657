/// What resource servers (the APIs Portcullis protects, issue 15) and the server say to each other. The server writes
/// these and `PortcullisGuard` reads them, so both sides share one definition.

/// One row of the revocation feed (`GET /oauth/revocations`): what a revocation names, as the server's own mirror
/// applies it.
///
/// - `token`: `value` is a `jti`; that token, and every personal token whose `pat_from` holds it, is revoked.
/// - `grant`: `value` is a grant id (the token's `gid` claim).
/// - `client`: `value` is a `client_id`; its tokens issued at or before `revoked_at` are revoked.
/// - `user`: `value` is `"<sub>:<version>"`; that user's tokens whose `uv` claim is below `version` are revoked.
public struct RevocationFeedEntry: Codable, Sendable, Equatable {
    public var kind: String
    public var value: String
    /// Seconds since the epoch.
    public var revokedAt: Int64
    /// After this no token the row names is alive, and the row may be dropped.
    public var expiresAt: Int64

    public init(kind: String, value: String, revokedAt: Int64, expiresAt: Int64) {
        self.kind = kind
        self.value = value
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, value
        case revokedAt = "revoked_at"
        case expiresAt = "expires_at"
    }
}

/// One answer of the revocation feed. Without a `cursor` the feed answers every revocation still in force; with one,
/// those recorded since a little before it (a row may come twice; applying it twice is harmless). The next request
/// sends `cursor` back, `poll_interval` seconds later.
public struct RevocationFeedPage: Codable, Sendable, Equatable {
    public var revocations: [RevocationFeedEntry]
    public var cursor: String
    public var pollInterval: Int
    /// The workspace the resource server belongs to: a guard accepts only tokens whose `workspace` claim is this one
    /// (a URI deleted in one workspace and registered in another must not take the first one's tokens).
    public var workspace: String?

    public init(revocations: [RevocationFeedEntry], cursor: String, pollInterval: Int, workspace: String? = nil) {
        self.revocations = revocations
        self.cursor = cursor
        self.pollInterval = pollInterval
        self.workspace = workspace
    }

    enum CodingKeys: String, CodingKey {
        case revocations, cursor, workspace
        case pollInterval = "poll_interval"
    }
}

/// OAuth 2.0 Protected Resource Metadata (RFC 9728 §2), served by a protected API at
/// `/.well-known/oauth-protected-resource`.
public struct ProtectedResourceMetadata: Codable, Sendable, Equatable {
    public var resource: String
    public var authorizationServers: [String]
    public var scopesSupported: [String]?
    public var bearerMethodsSupported: [String]
    public var resourceName: String?

    public init(
        resource: String, authorizationServers: [String], scopesSupported: [String]? = nil, bearerMethodsSupported: [String] = ["header"],
        resourceName: String? = nil
    ) {
        self.resource = resource
        self.authorizationServers = authorizationServers
        self.scopesSupported = scopesSupported
        self.bearerMethodsSupported = bearerMethodsSupported
        self.resourceName = resourceName
    }

    enum CodingKeys: String, CodingKey {
        case resource
        case authorizationServers = "authorization_servers"
        case scopesSupported = "scopes_supported"
        case bearerMethodsSupported = "bearer_methods_supported"
        case resourceName = "resource_name"
    }
}

/// A scope a resource server defines, with the words the consent screen shows for it.
public struct ResourceScopeResource: Codable, Sendable, Equatable {
    public var name: String
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}

/// A registered resource server as the JSON API (`/oauth/resources`) and `portcullis resource … --json` show it. Its
/// `client_id` and `client_secret` are the credentials it reads the revocation feed and introspects with; the secret
/// appears only in the answer that made it.
public struct ResourceServerResource: Codable, Sendable, Equatable {
    public var id: Int
    public var uri: String
    public var name: String
    public var scopes: [ResourceScopeResource]
    public var clientID: String
    public var clientSecret: String?
    /// The clients that may get client-credentials tokens for this API.
    public var machineClients: [String]
    public var createdAt: String

    public init(
        id: Int, uri: String, name: String, scopes: [ResourceScopeResource], clientID: String, clientSecret: String?, machineClients: [String],
        createdAt: String
    ) {
        self.id = id
        self.uri = uri
        self.name = name
        self.scopes = scopes
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.machineClients = machineClients
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, uri, name, scopes
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case machineClients = "machine_clients"
        case createdAt = "created_at"
    }
}

/// A JWT or introspection `aud` (RFC 7519 §4.1.3): one audience is written as a string, several as an array, and
/// either is read.
public struct Audience: Codable, Sendable, Equatable, Hashable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    public init(_ value: String) { self.values = [value] }

    public func contains(_ resource: String) -> Bool { values.contains(resource) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            values = [one]
        } else {
            values = try container.decode([String].self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if values.count == 1 { try container.encode(values[0]) } else { try container.encode(values) }
    }
}
