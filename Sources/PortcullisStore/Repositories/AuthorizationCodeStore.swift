import FluentKit
public import PortcullisCore
import SQLKit

struct AuthorizationCodeStore: AuthorizationCodeRepository {
    let store: Store

    private struct Row: Decodable {
        let id: Int
        let workspaceId: Int
        let clientRowId: Int
        let userId: Int
        let redirectUri: String
        let redirectUriSent: Bool
        let scope: String
        let codeChallenge: String?
        let expiresAt: Int64
        let usedAt: Int64?
        let grantId: Int?
        let userTokenVersion: Int
        let resources: String

        var value: AuthorizationCodeRecord {
            AuthorizationCodeRecord(
                id: id, workspaceID: workspaceId, clientRowID: clientRowId, userID: userId, redirectURI: redirectUri,
                redirectURIWasSent: redirectUriSent, scope: ScopeSet(stored: scope),
                codeChallenge: codeChallenge, expiresAt: expiresAt, usedAt: usedAt, grantID: grantId,
                userTokenVersion: userTokenVersion, resources: TokenTarget.storedResources(resources))
        }
    }

    private static let columns: SQLQueryString = """
        id, workspace_id, client_row_id, user_id, redirect_uri, redirect_uri_sent, scope, code_challenge, expires_at, used_at, grant_id, \
        user_token_version, resources
        """

    func store(_ code: NewAuthorizationCode, now: Int64) async throws {
        try await store.sql.raw(
            """
            INSERT INTO authorization_codes (code_hash, workspace_id, client_row_id, user_id, redirect_uri, redirect_uri_sent, scope, \
            code_challenge, expires_at, user_token_version, resources, created_at)
            VALUES (\(bind: code.hash), \(bind: code.workspaceID), \(bind: code.clientRowID), \(bind: code.userID), \
            \(bind: code.redirectURI), \(bind: code.redirectURIWasSent), \(bind: code.scope.description), \(bind: code.codeChallenge), \
            \(bind: code.expiresAt), \(bind: code.userTokenVersion), \(bind: code.resources.joined(separator: " ")), \(bind: now))
            """
        ).run()
    }

    func consume(hash: String, clientRowID: Int, now: Int64) async throws -> AuthorizationCodeRecord? {
        try await store.sql.raw(
            """
            UPDATE authorization_codes SET used_at = \(bind: now)
            WHERE code_hash = \(bind: hash) AND client_row_id = \(bind: clientRowID) AND used_at IS NULL
            RETURNING \(Self.columns)
            """
        ).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)?.value
    }

    func code(hash: String) async throws -> AuthorizationCodeRecord? {
        try await store.sql.raw("SELECT \(Self.columns) FROM authorization_codes WHERE code_hash = \(bind: hash)")
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)?.value
    }

    func markReplayed(id: Int, now: Int64) async throws -> Int? {
        try await store.sql.raw(
            "UPDATE authorization_codes SET replayed_at = COALESCE(replayed_at, \(bind: now)) WHERE id = \(bind: id) RETURNING grant_id"
        ).first(decodingColumn: "grant_id", as: Int?.self) ?? nil
    }

    func createGrant(forCode id: Int, grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) async throws -> Int? {
        do {
            return try await linkGrant(forCode: id, grant: grant, refreshToken: refreshToken, now: now)
        } catch is CodeReplayed {
            return nil
        }
    }

    private func linkGrant(forCode id: Int, grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) async throws -> Int {
        try await store.writeTransaction { sql in
            let grantID = try await GrantStore.insert(grant, now: now, on: sql)
            // Linking the grant to the code fails if a replay was recorded first; then the grant is rolled back.
            let linked = try await sql.raw(
                "UPDATE authorization_codes SET grant_id = \(bind: grantID) WHERE id = \(bind: id) AND replayed_at IS NULL RETURNING id"
            ).all()
            guard !linked.isEmpty else { throw CodeReplayed() }
            if let refreshToken { try await GrantStore.insert(refreshToken, grantID: grantID, now: now, on: sql) }
            return grantID
        }
    }

    struct CodeReplayed: Error {}
}

extension Store {
    public var authorizationCodes: any AuthorizationCodeRepository { AuthorizationCodeStore(store: self) }
}
