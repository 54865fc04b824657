import Foundation
import Synchronization
import Testing

@testable import PortcullisCore

/// The delays a limiter asked for, recorded instead of waited.
final class RecordedDelays: Sendable {
    private let delays = Mutex<[Duration]>([])
    var all: [Duration] { delays.withLock { $0 } }
    var sleep: @Sendable (Duration) async -> Void { { delay in self.delays.withLock { $0.append(delay) } } }
}

@Suite("Attempt limiter")
struct AttemptLimiterTests {
    /// A hard key: alice from one address.
    let alice = ThrottleKey.pair("alice", "192.0.2.1")
    let aliceAnywhere = ThrottleKey(.username, "alice")

    @Test("Failures fill the window; a refused attempt counts nothing; successes are refunded")
    func counting() async throws {
        let limiter = InMemoryAttemptLimiter(policy: ThrottlePolicy(window: 60, perUsername: 2, queuePatience: .zero))
        for _ in 0..<2 {
            let ticket = try await limiter.begin([alice], now: 100)
            await limiter.finished(ticket, succeeded: false, now: 100)
        }
        await #expect(throws: OAuthError.throttled(retryAfter: 50)) { try await limiter.begin([alice], now: 110) }
        await #expect(throws: OAuthError.throttled(retryAfter: 50)) { try await limiter.check(alice, now: 110) }
        // The next window starts empty.
        let ticket = try await limiter.begin([alice], now: 160)
        await limiter.finished(ticket, succeeded: true, now: 160)
        try await limiter.check(alice, now: 160)
        for _ in 0..<2 {
            let failed = try await limiter.begin([alice], now: 161)
            await limiter.finished(failed, succeeded: false, now: 161)
        }
        await #expect(throws: OAuthError.self) { try await limiter.begin([alice], now: 161) }
    }

    @Test("A username alone never refuses: past its limit each attempt waits, doubling from the base up to the cap")
    func usernameSlowsDown() async throws {
        let delays = RecordedDelays()
        let limiter = InMemoryAttemptLimiter(
            policy: ThrottlePolicy(perUsername: 3, slowDownBase: .seconds(1), slowDownCap: .seconds(10), queuePatience: .zero, sleep: delays.sleep))
        var seen: [Duration] = []
        for index in 0..<10 {
            let ticket = try await limiter.begin([aliceAnywhere, .pair("alice", "198.51.100.\(index)")], now: 100)
            seen.append(ticket.delay)
            await limiter.finished(ticket, succeeded: false, now: 100)
        }
        let expected: [Duration] = [.zero, .zero, .zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10), .seconds(10)]
        #expect(seen == expected)
        #expect(delays.all == expected.filter { $0 > .zero }, "begin waited each delay")
        // The right password, after all that, is slowed down by at most the cap and goes through.
        let real = try await limiter.begin([aliceAnywhere, .pair("alice", "203.0.113.5")], now: 101)
        #expect(real.delay == .seconds(10))
        await limiter.finished(real, succeeded: true, now: 101)
        #expect(ThrottlePolicy(perUsername: 1).slowDown(afterFailures: 1_000) == .seconds(10), "no overflow far past the limit")
        #expect(ThrottlePolicy(perUsername: 1, slowDownCap: .zero).slowDown(afterFailures: 5) == .zero, "a zero cap turns it off")
    }

    @Test("Attempts still running are no failures: concurrent correct logins are not slowed down")
    func runningAttemptsDoNotSlowDown() async throws {
        let limiter = InMemoryAttemptLimiter(policy: ThrottlePolicy(perUsername: 1, queuePatience: .zero, sleep: RecordedDelays().sleep))
        var running: [AttemptTicket] = []
        for _ in 0..<5 { running.append(try await limiter.begin([aliceAnywhere], now: 100)) }
        #expect(running.allSatisfy { $0.delay == .zero }, "\(running.map(\.delay))")
        for ticket in running { await limiter.finished(ticket, succeeded: true, now: 100) }
    }

    @Test("A request refused only by running attempts waits for them, and goes on when one succeeds")
    func queueBehindRunning() async throws {
        let limiter = InMemoryAttemptLimiter(policy: ThrottlePolicy(perUsername: 1, queuePatience: .seconds(600)))
        let running = try await limiter.begin([alice], now: 100)
        let done = Mutex(false)
        let waiter = Task {
            let ticket = try await limiter.begin([alice], now: 100)
            done.withLock { $0 = true }
            return ticket
        }
        // Really queued behind the running attempt before that one finishes (not merely started late, after it).
        let deadline = ContinuousClock.now + .seconds(30)
        while limiter.queue.waiting(alice) == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(limiter.queue.waiting(alice) == 1, "the second attempt waits in the queue")
        #expect(limiter.queue.running(alice) == 1, "only the first is running")
        #expect(!done.withLock { $0 }, "the waiter has not gone on")
        await limiter.finished(running, succeeded: true, now: 100)
        let second = try await waiter.value
        await limiter.finished(second, succeeded: true, now: 100)
        try await limiter.check(alice, now: 100)
    }

    @Test("A burst begun at once after N failures of a username: every attempt waits the delay of N (shared and in memory)")
    func burstAfterFailuresWaits() async throws {
        let burst = 10
        let policy = ThrottlePolicy(perUsername: 3, slowDownBase: .seconds(1), slowDownCap: .seconds(10), queuePatience: .zero, sleep: { _ in })
        let repository = GatedThrottleRepository()
        let limiters: [(String, any AttemptLimiter)] = [
            ("shared", SharedAttemptLimiter(policy: policy, repository: repository)), ("in memory", InMemoryAttemptLimiter(policy: policy)),
        ]
        for (name, limiter) in limiters {
            for index in 0..<3 {
                let failed = try await limiter.begin([.pair("alice", "198.51.100.\(index)"), aliceAnywhere], now: 100)
                await limiter.finished(failed, succeeded: false, now: 100)
            }
            // All begin before any has counted (as over a database, where the counts are round trips): the gate lets
            // the counting writes through only once every attempt of the burst is running.
            repository.gate(burst)
            let tickets = try await withThrowingTaskGroup(of: AttemptTicket.self) { group in
                for index in 0..<burst {
                    group.addTask { try await limiter.begin([.pair("alice", "203.0.113.\(index)"), aliceAnywhere], now: 101) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(tickets.map(\.delay) == Array(repeating: .seconds(1), count: burst), "\(name): \(tickets.map(\.delay))")
            for ticket in tickets { await limiter.finished(ticket, succeeded: false, now: 101) }
            let next = try await limiter.begin([.pair("alice", "192.0.2.200"), aliceAnywhere], now: 102)
            #expect(next.delay == .seconds(10), "\(name): 13 failures finished: \(next.delay)")
            await limiter.finished(next, succeeded: true, now: 102)
        }
    }

    @Test("A cheap request's check sees failures only: attempts still running may yet succeed")
    func checkIgnoresRunning() async throws {
        let address = ThrottleKey(.address, "192.0.2.1")
        let limiter = InMemoryAttemptLimiter(policy: ThrottlePolicy(perUsername: 1, perAddress: 1, queuePatience: .zero))
        let running = try await limiter.begin([alice, address], now: 100)
        try await limiter.check(address, now: 100)
        await limiter.finished(running, succeeded: false, now: 100)
        await #expect(throws: OAuthError.self) { try await limiter.check(address, now: 100) }
    }

    @Test("Waiting is bounded: an attempt that never ends leaves its waiter refused at the deadline")
    func boundedWait() async throws {
        let limiter = InMemoryAttemptLimiter(policy: ThrottlePolicy(perUsername: 1, queuePatience: .milliseconds(200)))
        let running = try await limiter.begin([alice], now: 100)
        let started = ContinuousClock.now
        await #expect(throws: OAuthError.self) { try await limiter.begin([alice], now: 100) }
        #expect(ContinuousClock.now - started >= .milliseconds(200), "it waited before refusing")
        await limiter.finished(running, succeeded: false, now: 100)
    }

    @Test("A key full of failures is refused at once: nothing is running that could free it")
    func fullOfFailures() async throws {
        let limiter = InMemoryAttemptLimiter(policy: ThrottlePolicy(perUsername: 1, queuePatience: .seconds(600)))
        let failed = try await limiter.begin([alice], now: 100)
        await limiter.finished(failed, succeeded: false, now: 100)
        await #expect(throws: OAuthError.self) { try await limiter.begin([alice], now: 100) }
    }

    @Test("Shared: an address full on one instance is refused on another after its refresh, with no read per check")
    func sharedAddresses() async throws {
        let repository = CountingThrottleRepository()
        let policy = ThrottlePolicy(perAddress: 2, queuePatience: .zero)
        let one = SharedAttemptLimiter(policy: policy, repository: repository)
        let two = SharedAttemptLimiter(policy: policy, repository: repository)
        let address = ThrottleKey(.address, "192.0.2.9")
        await one.recordFailure(address, now: 100)
        await one.recordFailure(address, now: 100)
        await #expect(throws: OAuthError.self) { try await one.check(address, now: 100) }
        let reads = repository.reads
        try await two.check(address, now: 100)
        #expect(repository.reads == reads, "an address check reads nothing")
        try await two.refreshShared(now: 100)
        await #expect(throws: OAuthError.throttled(retryAfter: 60)) { try await two.check(address, now: 100) }
        // Past the window the mirror's entry is stale and no longer refuses.
        try await two.check(address, now: 161)
        // A password attempt from the address on the second instance counts in the database too: refused at once.
        await #expect(throws: OAuthError.self) { try await two.begin([.pair("bob", "192.0.2.9"), address], now: 101) }
    }

    @Test("Shared: a mirror that read an address full in passing (attempts since refunded) does not refuse; the database decides")
    func staleFullMirror() async throws {
        let repository = CountingThrottleRepository()
        let policy = ThrottlePolicy(perUsername: 5, perAddress: 2, queuePatience: .zero)
        let one = SharedAttemptLimiter(policy: policy, repository: repository)
        let two = SharedAttemptLimiter(policy: policy, repository: repository)
        let address = ThrottleKey(.address, "192.0.2.10")
        // Two correct sign-ins run at once on instance one: the address counts 2, full for a moment.
        let first = try await one.begin([.pair("alice", "192.0.2.10"), address], now: 100)
        let second = try await one.begin([.pair("bob", "192.0.2.10"), address], now: 100)
        // Instance two's mirror refreshes in that moment; then both succeed and are refunded.
        try await two.refreshShared(now: 100)
        await one.finished(first, succeeded: true, now: 100)
        await one.finished(second, succeeded: true, now: 100)
        // Until its next refresh, instance two's mirror still says full; the check asks the database before refusing.
        try await two.check(address, now: 100)
        // Really full (two failures): refused as before.
        await one.recordFailure(address, now: 100)
        await one.recordFailure(address, now: 100)
        try await two.refreshShared(now: 100)
        await #expect(throws: OAuthError.throttled(retryAfter: 60)) { try await two.check(address, now: 100) }
    }
}

/// `ThrottleRepository` in memory, counting reads of single keys.
final class CountingThrottleRepository: ThrottleRepository {
    private struct Row {
        var kind: String
        var count: Int
        var windowStart: Int64
    }
    private let rows = Mutex<[String: Row]>([:])
    private let readCount = Mutex(0)
    var reads: Int { readCount.withLock { $0 } }

    func increment(_ digest: String, kind: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64) {
        rows.withLock { rows in
            var row = rows[digest] ?? Row(kind: kind, count: 0, windowStart: now)
            if row.windowStart <= now - window { row = Row(kind: kind, count: 0, windowStart: now) }
            row.count += 1
            rows[digest] = row
            return (row.count, row.windowStart)
        }
    }

    func decrement(_ digest: String, windowStart: Int64) async throws {
        rows.withLock { rows in
            if var row = rows[digest], row.windowStart == windowStart, row.count > 0 {
                row.count -= 1
                rows[digest] = row
            }
        }
    }

    func count(_ digest: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64)? {
        readCount.withLock { $0 += 1 }
        return rows.withLock { $0[digest] }.flatMap { $0.windowStart > now - window ? ($0.count, $0.windowStart) : nil }
    }

    func full(kind: String, attempts: Int, now: Int64, window: Int64) async throws -> [(digest: String, count: Int, windowStart: Int64)] {
        rows.withLock { rows in
            rows.filter { $0.value.kind == kind && $0.value.count >= attempts && $0.value.windowStart > now - window }
                .map { ($0.key, $0.value.count, $0.value.windowStart) }
        }
    }

    func purge(before: Int64) async throws {}
}

/// `CountingThrottleRepository` whose increments, once gated, wait until a whole burst has arrived.
final class GatedThrottleRepository: ThrottleRepository {
    private struct Gate {
        var expected = 0
        var arrived: [CheckedContinuation<Void, Never>] = []
    }
    private let inner = CountingThrottleRepository()
    private let gateState = Mutex(Gate())

    func gate(_ count: Int) { gateState.withLock { $0 = Gate(expected: count) } }

    func increment(_ digest: String, kind: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64) {
        await withCheckedContinuation { continuation in
            let release: [CheckedContinuation<Void, Never>]? = gateState.withLock { gate in
                guard gate.expected > 0 else { return [continuation] }
                gate.arrived.append(continuation)
                guard gate.arrived.count >= gate.expected else { return nil }
                defer { gate = Gate() }
                return gate.arrived
            }
            for waiting in release ?? [] { waiting.resume() }
        }
        return try await inner.increment(digest, kind: kind, now: now, window: window)
    }

    func decrement(_ digest: String, windowStart: Int64) async throws { try await inner.decrement(digest, windowStart: windowStart) }
    func count(_ digest: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64)? {
        try await inner.count(digest, now: now, window: window)
    }
    func full(kind: String, attempts: Int, now: Int64, window: Int64) async throws -> [(digest: String, count: Int, windowStart: Int64)] {
        try await inner.full(kind: kind, attempts: attempts, now: now, window: window)
    }
    func purge(before: Int64) async throws {}
}
