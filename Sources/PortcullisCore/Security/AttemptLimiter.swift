import Synchronization

/// Counts failed attempts per key (a username, a client, an address) and refuses further attempts for the
/// rest of a window once a key has failed too often: the brute-force throttle on `/token` and the login form.
public protocol AttemptLimiter: Sendable {
    /// Throws `OAuthError.throttled` while `key` is over its limit.
    func check(_ key: ThrottleKey, now: Int64) async throws
    func recordFailure(_ key: ThrottleKey, now: Int64) async
}

/// What is being counted. The value is hashed before it is stored anywhere.
public struct ThrottleKey: Sendable, Hashable {
    public enum Kind: String, Sendable { case username, client, address }
    public let kind: Kind
    public let value: String
    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }
}

/// How many failures each kind of key may have in a window.
public struct ThrottlePolicy: Sendable {
    public var window: Int64
    public var perUsername: Int
    public var perClient: Int
    public var perAddress: Int

    public init(window: Int64 = 60, perUsername: Int = 5, perClient: Int = 20, perAddress: Int = 50) {
        self.window = window
        self.perUsername = perUsername
        self.perClient = perClient
        self.perAddress = perAddress
    }

    public func limit(for kind: ThrottleKey.Kind) -> Int {
        switch kind {
        case .username: perUsername
        case .client: perClient
        case .address: perAddress
        }
    }
}

/// A fixed-window counter in memory, for one instance.
public final class InMemoryAttemptLimiter: AttemptLimiter {
    private struct Bucket {
        var windowStart: Int64
        var failures: Int
    }
    private let policy: ThrottlePolicy
    private let buckets = Mutex<[ThrottleKey: Bucket]>([:])

    public init(policy: ThrottlePolicy) { self.policy = policy }

    public func check(_ key: ThrottleKey, now: Int64) async throws {
        let retryAfter: Int64? = buckets.withLock { buckets in
            guard let bucket = buckets[key], now < bucket.windowStart + policy.window else { return nil }
            return bucket.failures >= policy.limit(for: key.kind) ? bucket.windowStart + policy.window - now : nil
        }
        if let retryAfter { throw OAuthError.throttled(retryAfter: Int(max(retryAfter, 1))) }
    }

    public func recordFailure(_ key: ThrottleKey, now: Int64) async {
        buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets = buckets.filter { now < $0.value.windowStart + policy.window } }
            if var bucket = buckets[key], now < bucket.windowStart + policy.window {
                bucket.failures += 1
                buckets[key] = bucket
            } else {
                buckets[key] = Bucket(windowStart: now, failures: 1)
            }
        }
    }
}
