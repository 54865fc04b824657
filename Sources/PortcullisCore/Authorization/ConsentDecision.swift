/// One consent screen, one decision. The screen carries a one-time nonce the store knows (only its hash is kept);
/// the POST that takes it first, by one atomic conditional update, is the only one that may issue. The same form
/// posted again, at once or later, is refused: one consent never yields two codes (RFC 6749 §4.1.2, §10.5), and a
/// stateless POST carrying the CSRF token alone would issue a code for every copy.
public protocol ConsentDecisionRepository: Sendable {
    /// Records a nonce for a consent screen just shown.
    func open(hash: String, workspaceID: Int, expiresAt: Int64, now: Int64) async throws
    /// Marks the nonce used if it is unused and unexpired; true for exactly one caller.
    func take(hash: String, workspaceID: Int, now: Int64) async throws -> Bool
}

/// The consent screen's nonce.
public enum ConsentNonce {
    /// How long a consent screen may stay open before its decision is refused.
    public static let lifetime: Int64 = 1800
    public static let prefix = "pcl_cn_"

    public static func generate() -> String { prefix + Base64URL.encode(SecureRandom.bytes(32)) }
    public static func hash(_ nonce: String) -> String { OpaqueSecret.hash(nonce) }
}
