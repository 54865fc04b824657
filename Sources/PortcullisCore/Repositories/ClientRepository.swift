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
