import FluentKit
import Foundation
import PortcullisCore
import SQLKit

struct ClientStore: ClientRepository {
    let store: Store

    struct Row: Decodable {
        let id: Int
        let workspaceId: Int
        let clientId: String
        let name: String
        let description: String?
        let website: String?
        let redirectUris: String
        let grants: Int
        let isConfidential: Bool
        let secretHash: String?
        let ownerUserId: Int?
        let skipConsent: Bool
        let mayIntrospect: Bool
        let createdAt: Int64
        let updatedAt: Int64

        /// Spelled out rather than `.convertFromSnakeCase`, which rewrites every key of every row: this row is read on
        /// every token and introspection request.
        enum CodingKeys: String, CodingKey {
            case id, name, description, website, grants
            case workspaceId = "workspace_id", clientId = "client_id", redirectUris = "redirect_uris"
            case isConfidential = "is_confidential", secretHash = "secret_hash", ownerUserId = "owner_user_id"
            case skipConsent = "skip_consent", mayIntrospect = "may_introspect", createdAt = "created_at", updatedAt = "updated_at"
        }

        var value: OAuthClient {
            let uris = (try? JSONDecoder().decode([String].self, from: Data(redirectUris.utf8))) ?? []
            return OAuthClient(
                id: id, clientID: clientId, workspaceID: workspaceId, name: name, description: description,
                website: website, redirectURIs: uris, grants: ClientGrants(rawValue: grants),
                isConfidential: isConfidential, secretHash: secretHash, ownerUserID: ownerUserId,
                skipsConsent: skipConsent, mayIntrospect: mayIntrospect, createdAt: createdAt, updatedAt: updatedAt)
        }
    }

    static let columns: SQLQueryString = """
        id, workspace_id, client_id, name, description, website, redirect_uris, grants, is_confidential, secret_hash, \
        owner_user_id, skip_consent, may_introspect, created_at, updated_at
        """

    func client(clientID: String, workspaceID: Int) async throws -> OAuthClient? {
        try await store.sql.raw(
            "SELECT \(Self.columns) FROM clients WHERE client_id = \(bind: clientID) AND workspace_id = \(bind: workspaceID)"
        ).first(decoding: Row.self)?.value
    }

    func client(id: Int) async throws -> OAuthClient? {
        try await store.sql.raw("SELECT \(Self.columns) FROM clients WHERE id = \(bind: id)")
            .first(decoding: Row.self)?.value
    }

    func clients(workspaceID: Int) async throws -> [OAuthClient] {
        try await store.sql.raw("SELECT \(Self.columns) FROM clients WHERE workspace_id = \(bind: workspaceID) ORDER BY name_key")
            .all(decoding: Row.self).map(\.value)
    }

    func createClient(_ client: NewClient, now: Int64) async throws -> OAuthClient {
        let model = ClientModel()
        model.workspaceID = client.workspaceID
        model.clientID = client.clientID
        model.name = client.name
        model.nameKey = ClientRegistration.nameKey(client.name)
        model.description = client.description
        model.website = client.website
        model.redirectURIs = String(decoding: try JSONEncoder().encode(client.redirectURIs), as: UTF8.self)
        model.grants = client.grants.rawValue
        model.isConfidential = client.isConfidential
        model.secretHash = client.secretHash
        model.ownerUserID = client.ownerUserID
        model.skipConsent = client.skipsConsent
        model.mayIntrospect = client.mayIntrospect
        model.createdAt = now
        model.updatedAt = now
        do {
            try await model.create(on: store.db)
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("name")
        }
        guard let created = try await self.client(id: try model.requireID()) else { throw RepositoryError.notFound }
        return created
    }
}

extension ClientStore {
    func updateClient(id: Int, with registration: ClientRegistration, secretHash: String?, now: Int64) async throws -> OAuthClient {
        let uris = String(decoding: try JSONEncoder().encode(registration.redirectURIs), as: UTF8.self)
        do {
            let changed = try await store.sql.raw(
                """
                UPDATE clients SET name = \(bind: registration.normalizedName), name_key = \(bind: ClientRegistration.nameKey(registration.normalizedName)),
                  description = \(bind: registration.description), website = \(bind: registration.website), redirect_uris = \(bind: uris),
                  grants = \(bind: registration.grants.rawValue), is_confidential = \(bind: registration.isConfidential),
                  secret_hash = \(bind: secretHash), skip_consent = \(bind: registration.skipsConsent),
                  may_introspect = \(bind: registration.mayIntrospect), updated_at = \(bind: now)
                WHERE id = \(bind: id) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw RepositoryError.notFound }
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("name")
        }
        guard let client = try await client(id: id) else { throw RepositoryError.notFound }
        return client
    }

    func replaceSecret(id: Int, secretHash: String, now: Int64) async throws {
        try await store.sql.raw(
            "UPDATE clients SET secret_hash = \(bind: secretHash), updated_at = \(bind: now) WHERE id = \(bind: id)"
        ).run()
    }

    func revokeGrants(clientRowID id: Int, revocation: Revocation) async throws {
        try await store.writeTransaction { sql in
            try await sql.raw("DELETE FROM authorization_codes WHERE client_row_id = \(bind: id) AND used_at IS NULL").run()
            try await GrantStore.revokeGrants(.client(rowID: id), now: revocation.revokedAt, on: sql)
            try await RevocationStore.insert(revocation, recordedAt: revocation.revokedAt, on: sql)
        }
    }

    func deleteClient(id: Int, revocation: Revocation) async throws -> Bool {
        try await store.writeTransaction { sql in
            // The grants, refresh tokens and codes go with the client (foreign keys ON DELETE CASCADE); the
            // revocation row outlives it, for the access tokens already handed out.
            try await sql.raw("DELETE FROM authorization_codes WHERE client_row_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE client_row_id = \(bind: id))").run()
            try await sql.raw("DELETE FROM grants WHERE client_row_id = \(bind: id)").run()
            let deleted = try await sql.raw("DELETE FROM clients WHERE id = \(bind: id) RETURNING id").all()
            try await RevocationStore.insert(revocation, recordedAt: revocation.revokedAt, on: sql)
            return !deleted.isEmpty
        }
    }
}
