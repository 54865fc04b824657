import PortcullisWire

/// The revocations in force, as the feed reported them, indexed the way the server's own mirror applies them.
struct RevocationSet: Sendable {
    /// jti → expires_at. A token is revoked when its `jti` or one of its `pat_from` is here.
    var tokens: [String: Int64] = [:]
    /// gid → expires_at.
    var grants: [String: Int64] = [:]
    /// client_id → the latest revoked_at (tokens issued at or before it are revoked) and the latest expires_at.
    var clients: [String: (revokedAt: Int64, expiresAt: Int64)] = [:]
    /// sub → the highest version (tokens with `uv` below it are revoked) and the latest expires_at.
    var users: [String: (version: Int64, expiresAt: Int64)] = [:]

    var count: Int { tokens.count + grants.count + clients.count + users.count }

    /// Applies one row; applying a row twice is harmless (the feed may send one twice). Rows of unknown kinds are
    /// reported so that a newer server's revocations are not ignored silently.
    @discardableResult
    mutating func apply(_ entry: RevocationFeedEntry, now: Int64) -> Bool {
        guard entry.expiresAt >= now else { return true }
        switch entry.kind {
        case "token":
            tokens[entry.value] = max(tokens[entry.value] ?? entry.expiresAt, entry.expiresAt)
        case "grant":
            grants[entry.value] = max(grants[entry.value] ?? entry.expiresAt, entry.expiresAt)
        case "client":
            let old = clients[entry.value]
            clients[entry.value] = (max(old?.revokedAt ?? entry.revokedAt, entry.revokedAt), max(old?.expiresAt ?? entry.expiresAt, entry.expiresAt))
        case "user":
            // "<sub>:<version>"; a sub may itself hold colons, the version is after the last.
            guard let colon = entry.value.lastIndex(of: ":"), let version = Int64(entry.value[entry.value.index(after: colon)...]) else {
                return false
            }
            let sub = String(entry.value[..<colon])
            let old = users[sub]
            users[sub] = (max(old?.version ?? version, version), max(old?.expiresAt ?? entry.expiresAt, entry.expiresAt))
        default:
            return false
        }
        return true
    }

    /// Drops rows whose `expires_at` has passed: no token they name is alive any more.
    mutating func prune(now: Int64) {
        tokens = tokens.filter { $0.value >= now }
        grants = grants.filter { $0.value >= now }
        clients = clients.filter { $0.value.expiresAt >= now }
        users = users.filter { $0.value.expiresAt >= now }
    }

    /// The server's rule, kind by kind (see `RevocationFeedEntry`); the kind that revokes the token, or nil.
    func revocation(of claims: AccessTokenClaims) -> String? {
        if let jti = claims.jti, tokens[jti] != nil { return "token" }
        if let from = claims.patFrom, from.contains(where: { tokens[$0] != nil }) { return "token" }
        if let gid = claims.gid, grants[gid] != nil { return "grant" }
        if let clientID = claims.clientID, let client = clients[clientID], let iat = claims.iat, Int64(iat.rounded(.down)) <= client.revokedAt {
            return "client"
        }
        if let sub = claims.sub, sub != claims.clientID, let user = users[sub], (claims.uv ?? 0) < user.version { return "user" }
        return nil
    }
}
