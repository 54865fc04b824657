import PortcullisCore
import SQLKit

/// Consent nonces (M0017): one row per consent screen shown, taken by the decision that comes first.
struct ConsentDecisionStore: ConsentDecisionRepository {
    let store: Store

    func open(hash: String, workspaceID: Int, expiresAt: Int64, now: Int64) async throws {
        try await store.sql.raw(
            """
            INSERT INTO consent_decisions (nonce_hash, workspace_id, expires_at, created_at)
            VALUES (\(bind: hash), \(bind: workspaceID), \(bind: expiresAt), \(bind: now))
            """
        ).run()
    }

    func take(hash: String, workspaceID: Int, now: Int64) async throws -> Bool {
        // The one atomic conditional update of DESIGN.md: only the first decision changes the row.
        try await !store.sql.raw(
            """
            UPDATE consent_decisions SET used_at = \(bind: now)
            WHERE nonce_hash = \(bind: hash) AND workspace_id = \(bind: workspaceID) AND used_at IS NULL AND expires_at > \(bind: now)
            RETURNING id
            """
        ).all().isEmpty
    }
}

extension Store {
    public var consentDecisions: any ConsentDecisionRepository { ConsentDecisionStore(store: self) }
}
