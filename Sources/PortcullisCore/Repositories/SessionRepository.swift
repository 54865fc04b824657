/// A web session as stored: its value, JSON the server encoded (Core does not read it), and when it expires.
public struct StoredSession: Sendable, Equatable {
    public let value: String
    /// Unix seconds; nil: the session never expires on its own.
    public let expiresAt: Int64?

    public init(value: String, expiresAt: Int64?) {
        self.value = value
        self.expiresAt = expiresAt
    }
}

/// The browser sessions of the web pages, in the database: they survive a restart and every instance sees them.
/// Keys are the session cookie's value (with its prefix); the store keeps only their SHA-256 (`OpaqueSecret.hash`),
/// so a copy of the table opens no session.
public protocol SessionRepository: Sendable {
    /// Stores a new session; throws `RepositoryError.duplicate("key")` when the key is taken.
    func create(key: String, value: String, expiresAt: Int64?, now: Int64) async throws
    /// Stores the session, replacing its value and expiry if the key exists.
    func upsert(key: String, value: String, expiresAt: Int64?, now: Int64) async throws
    /// The session, unless it is unknown or expired at `now`.
    func session(key: String, now: Int64) async throws -> StoredSession?
    /// Removes the session; removing an unknown key is harmless.
    func remove(key: String) async throws
}
