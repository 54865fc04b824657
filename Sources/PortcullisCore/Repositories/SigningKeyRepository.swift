/// A signing key as stored, with its private half sealed.
public struct StoredSigningKey: Sendable {
    public enum State: String, Sendable, Codable { case active, retired }
    public let kid: String
    public let algorithm: SigningAlgorithm
    public let sealedPrivateKey: String
    public let state: State
    public let createdAt: Int64
    /// For retired keys: when the last token it signed expires; the key is published until then.
    public let publishUntil: Int64?

    public init(
        kid: String, algorithm: SigningAlgorithm, sealedPrivateKey: String, state: State, createdAt: Int64,
        publishUntil: Int64?
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.sealedPrivateKey = sealedPrivateKey
        self.state = state
        self.createdAt = createdAt
        self.publishUntil = publishUntil
    }
}

public protocol SigningKeyRepository: Sendable {
    /// The active key and every retired key still published at `now`.
    func publishedKeys(now: Int64) async throws -> [StoredSigningKey]
    /// Every key, for `keys list`.
    func allKeys() async throws -> [StoredSigningKey]
    /// Stores `key` as the active key and retires the previous one, published until `retiredPublishUntil`,
    /// in one transaction.
    func activate(_ key: StoredSigningKey, retiredPublishUntil: Int64, now: Int64) async throws
    /// Stores `key` as the active key only if there is none yet; returns false if another process won.
    func activateFirst(_ key: StoredSigningKey) async throws -> Bool
}
