import Crypto
import Foundation
import Synchronization

/// Counts failed attempts per key (a username, an address) and refuses further attempts for the rest of a window
/// once a key has failed too often: the brute-force throttle on `/token` and the login form.
///
/// An attempt is counted when it begins, atomically with the check, and refunded if it succeeds: counting only
/// finished failures would let a burst of concurrent guesses all pass the check before any of them failed. A request
/// that finds its key full only because attempts of that key are still running here waits for them (`AttemptQueue`)
/// instead of being refused, so concurrent correct logins of one account are never throttled.
public protocol AttemptLimiter: Sendable {
    /// Counts an attempt against every key, or throws `OAuthError.throttled` (counting nothing) when one is at its limit
    /// with failures. Every ticket must be handed back to `finished`.
    func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket
    /// The attempt is over; if it succeeded it stops counting.
    func finished(_ ticket: AttemptTicket, succeeded: Bool, now: Int64) async
    /// Throws while `key` is at its limit with failures, without counting. Attempts still running do not count here:
    /// they may yet succeed, and a request they would refuse waits in `begin` instead.
    func check(_ key: ThrottleKey, now: Int64) async throws
    /// Counts one failure, for attempts too cheap to reserve (failed client authentication).
    func recordFailure(_ key: ThrottleKey, now: Int64) async
}

/// The attempts `begin` counted, with the window each was counted in.
public struct AttemptTicket: Sendable {
    public let counted: [(key: ThrottleKey, windowStart: Int64)]
    /// The keys whose running count on this instance the attempt holds.
    var running: [ThrottleKey] = []
}

/// Password attempts running on this instance per key, and the requests queued behind them.
///
/// A request refused because its key is full may be refused only by attempts still running, which may yet succeed
/// and be refunded. It then waits for one of them to finish and tries again; a finishing attempt wakes one waiter, and
/// a waiter that gives up wakes the next, so the queue drains however the attempts end. Waiting is bounded.
final class AttemptQueue: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var running: [ThrottleKey: Int] = [:]
        var finishedCount: [ThrottleKey: UInt64] = [:]
        var waiting: [ThrottleKey: [Waiter]] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())
    private let patience: Duration

    init(patience: Duration) { self.patience = patience }

    /// Runs `count` (the counting `begin`), queueing behind running attempts of the same keys while it is refused.
    func begin(_ keys: [ThrottleKey], _ count: () async throws -> AttemptTicket) async throws -> AttemptTicket {
        let deadline = ContinuousClock.now + patience
        while true {
            // Running from before the count: a request refused in the moment between another's count and its start
            // would otherwise find nothing running and be refused for good.
            let seen = state.withLock { state in
                for key in keys { state.running[key, default: 0] += 1 }
                return keys.map { state.finishedCount[$0, default: 0] }
            }
            do {
                var ticket = try await count()
                ticket.running = keys
                return ticket
            } catch {
                state.withLock { state in
                    for key in keys {
                        state.running[key, default: 1] -= 1
                        if state.running[key] == 0 { state.running[key] = nil }
                    }
                }
                guard case OAuthError.throttled = error, await waitTurn(keys, seen: seen, until: deadline) else {
                    wakeNext(keys)
                    throw error
                }
            }
        }
    }

    /// How many attempts of `key` are running on this instance.
    func running(_ key: ThrottleKey) -> Int { state.withLock { $0.running[key, default: 0] } }

    /// An attempt is over: the first request waiting on each of its keys tries again.
    func finished(_ keys: [ThrottleKey]) {
        let woken: [Waiter] = state.withLock { state in
            keys.compactMap { key in
                state.running[key, default: 1] -= 1
                if state.running[key] == 0 { state.running[key] = nil }
                state.finishedCount[key, default: 0] &+= 1
                return state.waiting[key]?.isEmpty == false ? state.waiting[key]!.removeFirst() : nil
            }
        }
        for waiter in woken { waiter.continuation.resume(returning: true) }
    }

    /// True to try again: an attempt of one of `keys` finished since `seen`, now or within the deadline. False when
    /// none is running here (the key is full with failures, or with attempts at other instances) or at the deadline.
    private func waitTurn(_ keys: [ThrottleKey], seen: [UInt64], until deadline: ContinuousClock.Instant) async -> Bool {
        enum Decision { case retry, refuse, wait(ThrottleKey, UInt64) }
        let decision: Decision = state.withLock { state in
            if zip(keys, seen).contains(where: { state.finishedCount[$0, default: 0] != $1 }) { return .retry }
            guard ContinuousClock.now < deadline, let key = keys.first(where: { state.running[$0, default: 0] > 0 }) else {
                return .refuse
            }
            state.nextID &+= 1
            return .wait(key, state.nextID)
        }
        switch decision {
        case .retry: return true
        case .refuse: return false
        case .wait(let key, let id):
            let timeout = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                let waiter: Waiter? = state.withLock { state in
                    guard let index = state.waiting[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiting[key]!.remove(at: index)
                }
                waiter?.continuation.resume(returning: false)
            }
            defer { timeout.cancel() }
            return await withCheckedContinuation { continuation in
                let resumeNow: Bool? = state.withLock { state in
                    // Between the decision and here an attempt may have finished, or the deadline passed.
                    if zip(keys, seen).contains(where: { state.finishedCount[$0, default: 0] != $1 }) { return true }
                    if state.running[key, default: 0] == 0 || ContinuousClock.now >= deadline { return false }
                    state.waiting[key, default: []].append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        }
    }

    /// A waiter gave up: the next one in line must not sleep until its deadline for a wake-up that will not come.
    private func wakeNext(_ keys: [ThrottleKey]) {
        let woken: [Waiter] = state.withLock { state in
            keys.compactMap { key in state.waiting[key]?.isEmpty == false ? state.waiting[key]!.removeFirst() : nil }
        }
        for waiter in woken { waiter.continuation.resume(returning: true) }
    }
}

/// What is being counted.
public struct ThrottleKey: Sendable, Hashable {
    public enum Kind: String, Sendable { case username, address }
    public let kind: Kind
    public let value: String
    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// A digest of the key: usernames as typed (sometimes a password typed in the wrong field) never reach storage.
    public var digest: String { Hex.encode(SHA256.hash(data: Data("\(kind.rawValue):\(value)".utf8))) }
}

/// How many failures each kind of key may have in a window.
public struct ThrottlePolicy: Sendable {
    public var window: Int64
    public var perUsername: Int
    public var perAddress: Int
    /// How long a request refused only by running attempts of its keys waits for them before it is refused.
    public var queuePatience: Duration

    public init(window: Int64 = 60, perUsername: Int = 5, perAddress: Int = 50, queuePatience: Duration = .seconds(10)) {
        self.window = window
        self.perUsername = perUsername
        self.perAddress = perAddress
        self.queuePatience = queuePatience
    }

    public func limit(for kind: ThrottleKey.Kind) -> Int {
        switch kind {
        case .username: perUsername
        case .address: perAddress
        }
    }
}

/// A fixed-window counter in memory, for one instance.
public final class InMemoryAttemptLimiter: AttemptLimiter {
    private struct Bucket {
        var windowStart: Int64
        var count: Int
    }
    private let policy: ThrottlePolicy
    private let buckets = Mutex<[ThrottleKey: Bucket]>([:])
    private let queue: AttemptQueue

    public init(policy: ThrottlePolicy) {
        self.policy = policy
        self.queue = AttemptQueue(patience: policy.queuePatience)
    }

    private func current(_ buckets: [ThrottleKey: Bucket], _ key: ThrottleKey, now: Int64) -> Bucket {
        if let bucket = buckets[key], now < bucket.windowStart + policy.window { return bucket }
        return Bucket(windowStart: now, count: 0)
    }

    public func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
        try await queue.begin(keys) { try count(keys, now: now) }
    }

    func count(_ keys: [ThrottleKey], now: Int64) throws -> AttemptTicket {
        let result: Result<AttemptTicket, OAuthError> = buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets = buckets.filter { now < $0.value.windowStart + policy.window } }
            for key in keys {
                let bucket = current(buckets, key, now: now)
                if bucket.count >= policy.limit(for: key.kind) {
                    return .failure(.throttled(retryAfter: Int(max(bucket.windowStart + policy.window - now, 1))))
                }
            }
            var counted: [(ThrottleKey, Int64)] = []
            for key in keys {
                var bucket = current(buckets, key, now: now)
                bucket.count += 1
                buckets[key] = bucket
                counted.append((key, bucket.windowStart))
            }
            return .success(AttemptTicket(counted: counted))
        }
        return try result.get()
    }

    public func finished(_ ticket: AttemptTicket, succeeded: Bool, now: Int64) async {
        if succeeded { refund(ticket) }
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
        try check(key, now: now, running: queue.running(key))
    }

    func check(_ key: ThrottleKey, now: Int64, running: Int) throws {
        let retryAfter: Int64? = buckets.withLock { buckets in
            let bucket = current(buckets, key, now: now)
            return bucket.count - running >= policy.limit(for: key.kind) ? bucket.windowStart + policy.window - now : nil
        }
        if let retryAfter { throw OAuthError.throttled(retryAfter: Int(max(retryAfter, 1))) }
    }

    public func recordFailure(_ key: ThrottleKey, now: Int64) async {
        buckets.withLock { buckets in
            var bucket = current(buckets, key, now: now)
            bucket.count += 1
            buckets[key] = bucket
        }
    }
}

/// Counters shared by every instance through the database.
public protocol ThrottleRepository: Sendable {
    /// Adds one to the key's count (starting a new window when the old one is over) and returns the count and window.
    func increment(_ digest: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64)
    /// Takes one off, if the window is still the one given.
    func decrement(_ digest: String, windowStart: Int64) async throws
    func count(_ digest: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64)?
    func purge(before: Int64) async throws
}

/// Username counters in the database, so every instance enforces one budget per account; address counters in
/// memory, because they are checked on every token request and a database read there would cost every client.
public final class SharedAttemptLimiter: AttemptLimiter {
    private let policy: ThrottlePolicy
    private let repository: any ThrottleRepository
    private let local: InMemoryAttemptLimiter
    private let queue: AttemptQueue

    public init(policy: ThrottlePolicy, repository: any ThrottleRepository) {
        self.policy = policy
        self.repository = repository
        self.local = InMemoryAttemptLimiter(policy: policy)
        self.queue = AttemptQueue(patience: policy.queuePatience)
    }

    public func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
        try await queue.begin(keys) { try await count(keys, now: now) }
    }

    /// The shared keys first, then the local ones under one lock: an attempt that is refused leaves a passing +1 only
    /// in the database, where `check` never looks for address keys, so it cannot make a cheap request refused.
    private func count(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
        var counted: [(ThrottleKey, Int64)] = []
        do {
            for key in keys where key.kind == .username {
                let (count, windowStart) = try await repository.increment(key.digest, now: now, window: policy.window)
                if count > policy.limit(for: key.kind) {
                    try await repository.decrement(key.digest, windowStart: windowStart)
                    throw OAuthError.throttled(retryAfter: Int(max(windowStart + policy.window - now, 1)))
                }
                counted.append((key, windowStart))
            }
            let localTicket = try local.count(keys.filter { $0.kind != .username }, now: now)
            return AttemptTicket(counted: counted + localTicket.counted)
        } catch {
            for (key, windowStart) in counted { try? await repository.decrement(key.digest, windowStart: windowStart) }
            throw error
        }
    }

    public func finished(_ ticket: AttemptTicket, succeeded: Bool, now: Int64) async {
        if succeeded {
            local.refund(AttemptTicket(counted: ticket.counted.filter { $0.key.kind != .username }))
            for (key, windowStart) in ticket.counted where key.kind == .username {
                try? await repository.decrement(key.digest, windowStart: windowStart)
            }
        }
        queue.finished(ticket.running)
    }

    public func check(_ key: ThrottleKey, now: Int64) async throws {
        guard key.kind == .username else { return try local.check(key, now: now, running: queue.running(key)) }
        if let (count, windowStart) = try await repository.count(key.digest, now: now, window: policy.window),
            count - queue.running(key) >= policy.limit(for: key.kind)
        {
            throw OAuthError.throttled(retryAfter: Int(max(windowStart + policy.window - now, 1)))
        }
    }

    public func recordFailure(_ key: ThrottleKey, now: Int64) async {
        guard key.kind == .username else { return await local.recordFailure(key, now: now) }
        _ = try? await repository.increment(key.digest, now: now, window: policy.window)
    }
}
