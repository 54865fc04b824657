import Foundation
import Synchronization

/// A fixed-window counter in memory, for one instance.
public final class InMemoryAttemptLimiter: AttemptLimiter {
    private struct Bucket {
        var windowStart: Int64
        var count: Int
    }
    private let policy: ThrottlePolicy
    private let buckets = Mutex<[ThrottleKey: Bucket]>([:])
    let queue: AttemptQueue

    public init(policy: ThrottlePolicy) {
        self.policy = policy
        self.queue = AttemptQueue(patience: policy.queuePatience)
    }

    private func current(_ buckets: [ThrottleKey: Bucket], _ key: ThrottleKey, now: Int64) -> Bucket {
        if let bucket = buckets[key], now < bucket.windowStart + policy.window { return bucket }
        return Bucket(windowStart: now, count: 0)
    }

    public func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
        let ticket = try await queue.begin(keys) { try count(keys, now: now) }
        if ticket.delay > .zero { await policy.sleep(ticket.delay) }
        return ticket
    }

    /// Checks the hard keys and counts them under one lock. A username key is not counted here: its slow-down is set
    /// by the failures it has finished with (`finished`), so that a burst of attempts begun at once after N failures
    /// each waits the delay of N failures, while attempts still running (which may yet succeed) slow nobody down.
    func count(_ keys: [ThrottleKey], now: Int64) throws -> AttemptTicket {
        let result: Result<([(ThrottleKey, Int64)], Duration), OAuthError> = buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets = buckets.filter { now < $0.value.windowStart + policy.window } }
            for key in keys {
                let bucket = current(buckets, key, now: now)
                if let limit = policy.limit(for: key.kind), bucket.count >= limit {
                    return .failure(.throttled(retryAfter: policy.retryAfter(bucket.windowStart, now: now)))
                }
            }
            var counted: [(ThrottleKey, Int64)] = []
            var delay = Duration.zero
            for key in keys {
                var bucket = current(buckets, key, now: now)
                if key.kind == .username {
                    delay = max(delay, policy.slowDown(afterFailures: bucket.count))
                    continue
                }
                bucket.count += 1
                buckets[key] = bucket
                counted.append((key, bucket.windowStart))
            }
            return .success((counted, delay))
        }
        let (counted, delay) = try result.get()
        return AttemptTicket(counted: counted, delay: delay)
    }

    public func finished(_ ticket: AttemptTicket, succeeded: Bool, now: Int64) async {
        if succeeded {
            refund(ticket)
        } else {
            // A failure of the username: what slows the next attempts down.
            buckets.withLock { buckets in
                for key in ticket.running where key.kind == .username {
                    var bucket = current(buckets, key, now: now)
                    bucket.count += 1
                    buckets[key] = bucket
                }
            }
        }
        queue.finished(ticket.running)
    }

    func refund(_ ticket: AttemptTicket) {
        buckets.withLock { buckets in
            for (key, windowStart) in ticket.counted {
                if var bucket = buckets[key], bucket.windowStart == windowStart, bucket.count > 0 {
                    bucket.count -= 1
                    buckets[key] = bucket
                }
            }
        }
    }

    public func check(_ key: ThrottleKey, now: Int64) async throws {
        guard let limit = policy.limit(for: key.kind) else { return }
        let running = queue.running(key)
        let retryAfter: Int? = buckets.withLock { buckets in
            let bucket = current(buckets, key, now: now)
            return bucket.count - running >= limit ? policy.retryAfter(bucket.windowStart, now: now) : nil
        }
        if let retryAfter { throw OAuthError.throttled(retryAfter: retryAfter) }
    }

    public func recordFailure(_ key: ThrottleKey, now: Int64) async {
        buckets.withLock { buckets in
            var bucket = current(buckets, key, now: now)
            bucket.count += 1
            buckets[key] = bucket
        }
    }
}
