import Synchronization

/// What a revocation names: one token, a whole grant, or every token of a client or user issued up to a moment.
public enum RevocationKind: String, Sendable, Codable, CaseIterable {
    case token
    case grant
    case client
    case user
}

/// One row of the revocation table. Rows expire once no token they could name is still alive.
public struct Revocation: Sendable, Hashable {
    public let kind: RevocationKind
    /// The `jti`, the grant id, the `client_id`, or `userID:version` (see `forUser`).
    public let value: String
    /// Seconds since the epoch; for `client`, tokens issued at or before it are revoked.
    public let revokedAt: Int64
    /// After this the row can be dropped: every token it could name has expired.
    public let expiresAt: Int64
    /// The workspace whose tokens it names, so the revocation feed serves each resource server only its own
    /// workspace's rows (attacker's pass, issue 15). When nil the store works it out from the grant, user or client.
    public let workspaceID: Int?

    public init(kind: RevocationKind, value: String, revokedAt: Int64, expiresAt: Int64, workspaceID: Int? = nil) {
        self.kind = kind
        self.value = value
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
        self.workspaceID = workspaceID
    }

    /// Everything a user holds: tokens issued under a token version below `version` are revoked.
    public static func forUser(_ userID: Int, version: Int, revokedAt: Int64, expiresAt: Int64) -> Revocation {
        Revocation(kind: .user, value: "\(userID):\(version)", revokedAt: revokedAt, expiresAt: expiresAt)
    }
}

/// The in-memory mirror of the revocation table that every instance keeps and refreshes at least once a
/// second, so checking a token never reads the database (DESIGN.md, tokens).
public final class RevocationList: Sendable {
    private struct State {
        var tokens: [String: Int64] = [:]
        var grants: [String: Int64] = [:]
        var clients: [String: (revokedAt: Int64, expiresAt: Int64)] = [:]
        /// User id → the lowest token version still valid.
        var users: [String: (version: Int, expiresAt: Int64)] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Adds rows; applying the same row twice is harmless.
    public func apply(_ revocations: some Sequence<Revocation>) {
        state.withLock { s in
            for r in revocations {
                switch r.kind {
                case .token: s.tokens[r.value] = max(s.tokens[r.value] ?? 0, r.expiresAt)
                case .grant: s.grants[r.value] = max(s.grants[r.value] ?? 0, r.expiresAt)
                case .client:
                    let old = s.clients[r.value]
                    s.clients[r.value] = (max(old?.revokedAt ?? 0, r.revokedAt), max(old?.expiresAt ?? 0, r.expiresAt))
                case .user:
                    let parts = r.value.split(separator: ":")
                    guard parts.count == 2, let version = Int(parts[1]) else { continue }
                    let user = String(parts[0])
                    let old = s.users[user]
                    s.users[user] = (max(old?.version ?? 0, version), max(old?.expiresAt ?? 0, r.expiresAt))
                }
            }
        }
    }

    /// Whether any row names this token.
    public func isRevoked(_ claims: AccessTokenClaims) -> Bool {
        state.withLock { s in
            if s.tokens[claims.tokenID] != nil { return true }
            // A revoked personal token takes every token minted from it along (each expires no later than it).
            if let ancestors = claims.personalTokenAncestors, ancestors.contains(where: { s.tokens[$0] != nil }) { return true }
            if let grant = claims.grantID, s.grants[grant] != nil { return true }
            if let client = s.clients[claims.clientID], claims.issuedAt <= client.revokedAt { return true }
            if !claims.isClientToken, let user = s.users[claims.subject], (claims.userVersion ?? 0) < user.version { return true }
            return false
        }
    }

    /// Whether a revocation of the whole grant has been applied here (it is applied only once committed).
    public func isGrantRevoked(_ grantID: Int) -> Bool { state.withLock { $0.grants[String(grantID)] != nil } }

    /// Drops rows whose tokens have all expired, so the mirror stays small.
    public func prune(now: Int64) {
        state.withLock { s in
            s.tokens = s.tokens.filter { $0.value > now }
            s.grants = s.grants.filter { $0.value > now }
            s.clients = s.clients.filter { $0.value.expiresAt > now }
            s.users = s.users.filter { $0.value.expiresAt > now }
        }
    }

    /// How many rows the mirror holds, for metrics and tests.
    public var count: Int { state.withLock { $0.tokens.count + $0.grants.count + $0.clients.count + $0.users.count } }
}
