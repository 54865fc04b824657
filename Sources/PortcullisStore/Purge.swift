import SQLKit

/// Deleting rows nothing needs any more: run by every instance's mirror service (minutely and hourly).
extension Store {
    /// Deletes sessions and codes that have expired, and revocations of tokens that have all expired (a day late, so a
    /// clock a little behind never brings one back); returns how many rows went.
    public func purgeExpired(now: Int64) async throws -> Int {
        let sessions = try await sql.raw("DELETE FROM sessions WHERE expires_at IS NOT NULL AND expires_at <= \(bind: now) RETURNING id").all()
        let codes = try await sql.raw("DELETE FROM authorization_codes WHERE expires_at <= \(bind: now - 86400) RETURNING id").all()
        let consents = try await sql.raw("DELETE FROM consent_decisions WHERE expires_at <= \(bind: now - 86400) RETURNING id").all()
        let revocations = try await inBatches(of: 10000) { size in
            try await sql.raw(
                """
                DELETE FROM revocations WHERE id IN
                (SELECT id FROM revocations WHERE expires_at <= \(bind: now - 86400) LIMIT \(literal: size)) RETURNING id
                """
            ).all().count
        }
        // The mirrors read the last few seconds of the change feed; an hour is plenty. Counted by the feed's own (the
        // database's) clock, as the mirrors count.
        let changes = try await sql.raw(
            "DELETE FROM mirror_changes WHERE recorded_at < (SELECT MAX(recorded_at) FROM mirror_changes) - 3600 RETURNING id"
        ).all()
        return sessions.count + codes.count + consents.count + revocations + changes.count
    }

    /// A grant is finished when no refresh token of it can be redeemed (each expired a day ago) and no access token
    /// minted from it is still live (the last was minted with its newest refresh token, or with the grant itself, more
    /// than one access-token lifetime and a day ago). Its rows serve nothing then: a redeemed or replayed expired
    /// refresh token is refused either way, and the revocations that stop its access tokens are rows of their own.
    /// Without this, every password login and every rotation would add a row for ever. It reads every grant older
    /// than the cut-off (with a refresh-token probe each), so it runs hourly, not with the minutely purge; returns how
    /// many grants went.
    public func purgeFinishedGrants(now: Int64, accessTokenLifetime: Int64) async throws -> Int {
        let expiredBefore = now - 86400
        let mintedBefore = now - accessTokenLifetime - 86400
        return try await inBatches(of: 1000) { size in
            let ids: [any Encodable & Sendable] = try await sql.raw(
                """
                SELECT g.id FROM grants g WHERE g.created_at <= \(bind: mintedBefore) AND NOT EXISTS
                (SELECT 1 FROM refresh_tokens rt WHERE rt.grant_id = g.id
                 AND (rt.expires_at > \(bind: expiredBefore) OR rt.created_at > \(bind: mintedBefore)))
                LIMIT \(literal: size)
                """
            ).all(decodingColumn: "id", as: Int.self)
            if ids.isEmpty { return 0 }
            // A finished grant gains no refresh token (rotation needs a live one), so the ids stay finished here.
            try await writeTransaction { sql in
                try await sql.raw("DELETE FROM refresh_tokens WHERE grant_id IN (\(binds: ids))").run()
                try await sql.raw("DELETE FROM grants WHERE id IN (\(binds: ids))").run()
            }
            return ids.count
        }
    }

    /// Runs `batch` (which deletes up to `size` rows and says how many) until a batch comes back short, pausing between
    /// batches: one long delete would hold SQLite's write lock against token requests.
    private func inBatches(of size: Int, _ batch: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await batch(size)
            total += deleted
            if deleted < size { return total }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
