import FluentKit

// Fluent models: internal to the store. Repositories turn them into Core's values.
// Times are integer seconds since the epoch, the same on SQLite and PostgreSQL.

final class WorkspaceModel: Model, @unchecked Sendable {
    static let schema = "workspaces"
    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "created_at") var createdAt: Int64
    init() {}
    init(name: String, createdAt: Int64) {
        self.name = name
        self.createdAt = createdAt
    }
}

final class ClientModel: Model, @unchecked Sendable {
    static let schema = "clients"
    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "workspace_id") var workspaceID: Int
    @Field(key: "client_id") var clientID: String
    @Field(key: "name") var name: String
    /// The lower-cased name: names are unique per workspace regardless of case.
    @Field(key: "name_key") var nameKey: String
    @OptionalField(key: "description") var description: String?
    @OptionalField(key: "website") var website: String?
    /// A JSON array of strings.
    @Field(key: "redirect_uris") var redirectURIs: String
    /// `ClientGrants.rawValue`.
    @Field(key: "grants") var grants: Int
    @Field(key: "is_confidential") var isConfidential: Bool
    @OptionalField(key: "secret_hash") var secretHash: String?
    @OptionalField(key: "owner_user_id") var ownerUserID: Int?
    @Field(key: "skip_consent") var skipConsent: Bool
    @Field(key: "may_introspect") var mayIntrospect: Bool
    @Field(key: "created_at") var createdAt: Int64
    @Field(key: "updated_at") var updatedAt: Int64
    init() {}
}
