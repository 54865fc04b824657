import Synchronization

@testable import PortcullisCore

/// A password hasher without bcrypt's cost: the rules, not the hashing, are under test.
struct FastPasswordHasher: PasswordHasher {
    func hash(_ password: String) async throws -> String { "fake$" + password }
    func verify(_ password: String, against hash: String) async -> Bool { hash == "fake$" + password }
    func verifyAgainstDummy(_ password: String) async {}
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ start: Int64 = 1_800_000_000) { seconds = Mutex(start) }
    var now: Int64 { seconds.withLock { $0 } }
    func advance(_ by: Int64) { seconds.withLock { $0 += by } }
    var clock: Clock { Clock { [self] in now } }
}
