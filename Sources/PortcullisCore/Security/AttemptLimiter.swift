import Crypto
import Foundation
import Synchronization

/// Counts failed attempts per key (a username, an address) and refuses further attempts for the rest of a window
/// once a key has failed too often: the brute-force throttle on `/token` and the login form.
///
/// An attempt is counted when it begins, atomically with the check, and refunded if it succeeds: counting only
/// finished failures would let a burst of concurrent guesses all pass the check before any of them failed.
public protocol AttemptLimiter: Sendable {
    /// Counts an attempt against every key, or throws `OAuthError.throttled` (counting nothing) when one is at its limit.
    func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket
    /// The attempt succeeded: it stops counting.
    func succeeded(_ ticket: AttemptTicket, now: Int64) async
    /// Throws while `key` is at its limit, without counting.
    func check(_ key: ThrottleKey, now: Int64) async throws
    /// Counts one failure, for attempts too cheap to reserve (failed client authentication).
    func recordFailure(_ key: ThrottleKey, now: Int64) async
}

/// The attempts `begin` counted, with the window each was counted in.
public struct AttemptTicket: Sendable {
    public let counted: [(key: ThrottleKey, windowStart: Int64)]
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

    public init(window: Int64 = 60, perUsername: Int = 5, perAddress: Int = 50) {
        self.window = window
        self.perUsername = perUsername
        self.perAddress = perAddress
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

    public init(policy: ThrottlePolicy) { self.policy = policy }

    private func current(_ buckets: [ThrottleKey: Bucket], _ key: ThrottleKey, now: Int64) -> Bucket {
        if let bucket = buckets[key], now < bucket.windowStart + policy.window { return bucket }
        return Bucket(windowStart: now, count: 0)
    }

    public func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
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

    public func succeeded(_ ticket: AttemptTicket, now: Int64) async {
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
        let retryAfter: Int64? = buckets.withLock { buckets in
            let bucket = current(buckets, key, now: now)
            return bucket.count >= policy.limit(for: key.kind) ? bucket.windowStart + policy.window - now : nil
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

    public init(policy: ThrottlePolicy, repository: any ThrottleRepository) {
        self.policy = policy
        self.repository = repository
        self.local = InMemoryAttemptLimiter(policy: policy)
    }

    public func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
        let shared = keys.filter { $0.kind == .username }
        let localTicket = try await local.begin(keys.filter { $0.kind != .username }, now: now)
        var counted: [(ThrottleKey, Int64)] = []
        do {
            for key in shared {
                let (count, windowStart) = try await repository.increment(key.digest, now: now, window: policy.window)
                if count > policy.limit(for: key.kind) {
                    try await repository.decrement(key.digest, windowStart: windowStart)
                    throw OAuthError.throttled(retryAfter: Int(max(windowStart + policy.window - now, 1)))
                }
                counted.append((key, windowStart))
            }
        } catch {
            await local.succeeded(localTicket, now: now)
            for (key, windowStart) in counted { try? await repository.decrement(key.digest, windowStart: windowStart) }
            throw error
        }
        return AttemptTicket(counted: localTicket.counted + counted)
    }

    public func succeeded(_ ticket: AttemptTicket, now: Int64) async {
        await local.succeeded(AttemptTicket(counted: ticket.counted.filter { $0.key.kind != .username }), now: now)
        for (key, windowStart) in ticket.counted where key.kind == .username {
            try? await repository.decrement(key.digest, windowStart: windowStart)
        }
    }

    public func check(_ key: ThrottleKey, now: Int64) async throws {
        guard key.kind == .username else { return try await local.check(key, now: now) }
        if let (count, windowStart) = try await repository.count(key.digest, now: now, window: policy.window),
            count >= policy.limit(for: key.kind)
        {
            throw OAuthError.throttled(retryAfter: Int(max(windowStart + policy.window - now, 1)))
        }
    }

    public func recordFailure(_ key: ThrottleKey, now: Int64) async {
        guard key.kind == .username else { return await local.recordFailure(key, now: now) }
        _ = try? await repository.increment(key.digest, now: now, window: policy.window)
    }
}
