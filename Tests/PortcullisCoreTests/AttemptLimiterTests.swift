import Foundation
import Testing

@testable import PortcullisCore

@Suite("Attempt limiter")
struct AttemptLimiterTests {
    let alice = ThrottleKey(.username, "alice")

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

    @Test("A request refused only by running attempts waits for them, and goes on when one succeeds")
    func queueBehindRunning() async throws {
        let limiter = InMemoryAttemptLimiter(policy: ThrottlePolicy(perUsername: 1, queuePatience: .seconds(600)))
        let running = try await limiter.begin([alice], now: 100)
        let waiter = Task { try await limiter.begin([alice], now: 100) }
        try await Task.sleep(for: .milliseconds(50))
        await limiter.finished(running, succeeded: true, now: 100)
        let second = try await waiter.value
        await limiter.finished(second, succeeded: true, now: 100)
        try await limiter.check(alice, now: 100)
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
}
