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

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await pool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async -> Bool {
        (try? await pool.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }

    public func verifyAgainstDummy(_ password: String) async {
        _ = await verify(password, against: dummyHash)
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
