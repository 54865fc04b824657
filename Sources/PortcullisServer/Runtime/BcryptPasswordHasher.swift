import HummingbirdBcrypt
public import NIOCore
import NIOPosix
public import PortcullisCore

/// bcrypt on its own thread pool: a hash takes tens of milliseconds, which would stall the event loops and
/// the cooperative pool if run there.
public final class BcryptPasswordHasher: PasswordHasher {
    private let cost: UInt8
    private let pool: NIOThreadPool
    /// A hash of a random password at the configured cost, so unknown usernames cost a real verification.
    private let dummyHash: String
    /// Called once per bcrypt verification (a test hook: the count must not depend on whether the account exists).
    private let onVerification: (@Sendable () -> Void)?

    /// What bcrypt reads of a password; the rest is ignored.
    public static let maximumBytes = 72

    public init(cost: Int, threads: Int = System.coreCount, onVerification: (@Sendable () -> Void)? = nil) {
        self.cost = UInt8(cost)
        self.onVerification = onVerification
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.pool.start()
        self.dummyHash = Bcrypt.hash(OpaqueSecret.generate(.csrfToken), cost: UInt8(cost))
    }

    /// Hashes the RFC 8265 §4 OpaqueString form (`PRECIS.password`): non-ASCII spaces as U+0020, NFC. A password
    /// with a NUL or another control character is refused (thrown): bcrypt stops at NUL, so `ab\u{0}cdefghij` would be
    /// hashed as `ab`. Callers check `UserDraft.passwordProblem` first, so the throw is a last line of defence.
    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        let prepared = try PRECIS.password(password)
        return try await pool.runIfActive { Bcrypt.hash(prepared, cost: cost) }
    }

    /// Verifies the OpaqueString mapping of what was typed, compared (by bcrypt) as its UTF-8 bytes. A typed password
    /// with a NUL never verifies, yet costs a real verification. A hash made before passwords were prepared was made
    /// from the raw text: when preparation changed the text, the raw form is tried too, so no one is locked out.
    ///
    /// How many bcrypt runs a call costs depends only on what was typed, never on the hash: every candidate is tried
    /// even after one matched, and `verifyAgainstDummy` goes through here. Before, an unknown username always cost one
    /// run while a known one with an NFD password cost two (0.89 s against 0.41 s at cost 12), which told which
    /// usernames exist.
    public func verify(_ password: String, against hash: String) async -> Bool {
        guard let prepared = PRECIS.passwordForVerification(password) else {
            // Never verifies, but costs one real run against the dummy, whatever the account.
            _ = await bcrypt([""], against: dummyHash)
            return false
        }
        // Both sides are what was typed (no stored secret): no constant-time concern.
        let candidates = prepared.utf8.elementsEqual(password.utf8) ? [prepared] : [prepared, password]
        // bcrypt reads 72 bytes and ignores the rest, so a 72-byte password plus anything would verify (attacker's
        // pass). No password longer than that can be set (UserDraft), so a longer one never verifies; same work.
        if prepared.utf8.count > Self.maximumBytes {
            _ = await bcrypt(candidates, against: dummyHash)
            return false
        }
        return await bcrypt(candidates, against: hash)
    }

    /// The same work as `verify` for a username that has no account: the same candidates against a hash at the same cost.
    public func verifyAgainstDummy(_ password: String) async {
        _ = await verify(password, against: dummyHash)
    }

    private func bcrypt(_ candidates: [String], against hash: String) async -> Bool {
        let onVerification = self.onVerification
        return
            (try? await pool.runIfActive {
                var matched = false
                for candidate in candidates {
                    onVerification?()
                    if Bcrypt.verify(candidate, hash: hash) { matched = true }
                }
                return matched
            }) ?? false
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
