public import PortcullisCore
import SQLKit

/// Consent decisions made (M0017): one row per decision, none per consent screen shown. The unique nonce hash makes
/// the insert the one atomic step of DESIGN.md: of fifty concurrent posts of one form, the first insert wins.
struct ConsentDecisionStore: ConsentDecisionRepository {
    let store: Store

    func record(hash: String, workspaceID: Int, expiresAt: Int64, now: Int64) async throws -> Bool {
        try await !store.sql.raw(
            """
            INSERT INTO consent_decisions (nonce_hash, workspace_id, expires_at, used_at, created_at)
            VALUES (\(bind: hash), \(bind: workspaceID), \(bind: expiresAt), \(bind: now), \(bind: now))
            ON CONFLICT (nonce_hash) DO NOTHING
            RETURNING id
            """
        ).all().isEmpty
    }
}

extension Store {
    public var consentDecisions: any ConsentDecisionRepository { ConsentDecisionStore(store: self) }
}
