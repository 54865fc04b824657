import HummingbirdBcrypt
import NIOCore
import NIOPosix
import PortcullisCore

/// bcrypt on its own thread pool: a hash takes tens of milliseconds, which would stall the event loops and
/// the cooperative pool if run there.
public final class BcryptPasswordHasher: PasswordHasher {
    private let cost: UInt8
    private let pool: NIOThreadPool
    /// A hash of a random password at the configured cost, so unknown usernames cost a real verification.
    private let dummyHash: String

    public init(cost: Int, threads: Int = System.coreCount) {
        self.cost = UInt8(cost)
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
    public func verify(_ password: String, against hash: String) async -> Bool {
        guard let prepared = PRECIS.passwordForVerification(password) else {
            await verifyAgainstDummy("")
            return false
        }
        // Both sides are what was typed (no stored secret): no constant-time concern.
        let legacy: String? = prepared.utf8.elementsEqual(password.utf8) ? nil : password
        return (try? await pool.runIfActive {
            if Bcrypt.verify(prepared, hash: hash) { return true }
            return legacy.map { Bcrypt.verify($0, hash: hash) } ?? false
        }) ?? false
    }

    public func verifyAgainstDummy(_ password: String) async {
        let dummyHash = self.dummyHash
        _ = try? await pool.runIfActive { Bcrypt.verify(String(password.unicodeScalars.filter { $0 != "\u{0}" }), hash: dummyHash) }
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
