import Crypto
import Foundation

/// The brute-force throttle on `/token` and the login form, built so that nobody can turn it into a lockout of
/// someone else (OWASP Authentication Cheat Sheet, "Account Lockout"; issue 12 finding 3).
///
/// Two kinds of keys refuse once they are full of failures: one (username, address) pair, and one address. A
/// username alone never refuses: past its limit each attempt is slowed down by a growing, capped delay, so an
/// attacker spraying one account from many addresses costs its real owner at most the cap per sign-in, never a
/// refusal. A browser that signed in before (a device cookie) skips the username key altogether.
///
/// An attempt is counted against its hard keys when it begins, atomically with the check, and refunded if it
/// succeeds: counting only finished failures would let a burst of concurrent guesses all pass the check before any of
/// them failed. The username's slow-down counts the failures finished instead: a burst begun at once after N failures
/// each waits the delay of N (counted at begin, less those running, it would have seen about none and waited nothing),
/// and concurrent correct logins are not slowed. A burst before the username's limit is reached is not slowed down;
/// it is bounded by the hard (username, address) and per-address limits. A request
/// that finds its key full only because attempts of that key are still running here waits for them (`AttemptQueue`)
/// instead of being refused, so concurrent correct logins of one account are never throttled.
public protocol AttemptLimiter: Sendable {
    /// Counts an attempt against every key, or throws `OAuthError.throttled` (counting nothing) when a pair or address
    /// key is at its limit with failures. A username key past its limit slows the attempt down instead: `begin` waits
    /// the delay (recorded in the ticket) before it returns. Every ticket must be handed back to `finished`.
    func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket
    /// The attempt is over; if it succeeded it stops counting.
    func finished(_ ticket: AttemptTicket, succeeded: Bool, now: Int64) async
    /// Throws while `key` (a pair or an address) is at its limit with failures, without counting. Attempts still
    /// running here do not count: they may yet succeed, and a request they would refuse waits in `begin` instead.
    func check(_ key: ThrottleKey, now: Int64) async throws
    /// Counts one failure, for attempts too cheap to reserve (failed client authentication).
    func recordFailure(_ key: ThrottleKey, now: Int64) async
    /// Brings this instance's copy of the shared address counters up to date; the mirror loop calls it.
    func refreshShared(now: Int64) async throws
}

extension AttemptLimiter {
    public func refreshShared(now: Int64) async throws {}
}

/// The attempts `begin` counted, with the window each was counted in.
public struct AttemptTicket: Sendable {
    public let counted: [(key: ThrottleKey, windowStart: Int64)]
    /// How long `begin` slowed the attempt down (zero unless its username was past its limit).
    public internal(set) var delay: Duration = .zero
    /// The keys whose running count on this instance the attempt holds.
    var running: [ThrottleKey] = []
}

/// What is being counted.
public struct ThrottleKey: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// One account, from anywhere: slows down, never refuses.
        case username
        /// One account from one address: refuses.
        case pair
        /// One address, whatever it tries: refuses.
        case address
    }
    public let kind: Kind
    public let value: String
    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// The (username, address) pair. Without an address (only in-process callers have none) the pair is the
    /// username's own, so a caller without one still meets a hard limit.
    public static func pair(_ username: String, _ address: String?) -> ThrottleKey {
        ThrottleKey(.pair, "\(username)\u{1F}\(address ?? "")")
    }

    /// A digest of the key: usernames as typed (sometimes a password typed in the wrong field) never reach storage.
    public var digest: String { Hex.encode(SHA256.hash(data: Data("\(kind.rawValue):\(value)".utf8))) }
}

/// How many failures each kind of key may have in a window, and how a username past its limit is slowed down.
public struct ThrottlePolicy: Sendable {
    public var window: Int64
    /// Failures per username per window before its attempts are slowed down; also the hard limit of one
    /// (username, address) pair.
    public var perUsername: Int
    public var perAddress: Int
    /// The first slow-down past the username's limit; each further failure doubles it, up to `slowDownCap`.
    public var slowDownBase: Duration
    /// The longest any attempt is slowed down: what an attack on an account costs its real owner per sign-in.
    public var slowDownCap: Duration
    /// How long a request refused only by running attempts of its keys waits for them before it is refused.
    public var queuePatience: Duration
    /// How a slowed-down attempt waits: `Task.sleep`; tests record the delay instead of waiting it.
    public var sleep: @Sendable (Duration) async -> Void

    public init(
        window: Int64 = 60, perUsername: Int = 5, perAddress: Int = 50, slowDownBase: Duration = .seconds(1),
        slowDownCap: Duration = .seconds(10), queuePatience: Duration = .seconds(10),
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.window = window
        self.perUsername = perUsername
        self.perAddress = perAddress
        self.slowDownBase = slowDownBase
        self.slowDownCap = slowDownCap
        self.queuePatience = queuePatience
        self.sleep = sleep
    }

    /// The hard limit of a kind of key; nil for a username, which never refuses.
    public func limit(for kind: ThrottleKey.Kind) -> Int? {
        switch kind {
        case .username: nil
        case .pair: perUsername
        case .address: perAddress
        }
    }

    /// The delay of an attempt made when its username already has `failures` in the window: none below the limit,
    /// then the base, doubling with each failure, never above the cap.
    public func slowDown(afterFailures failures: Int) -> Duration {
        guard failures >= perUsername, slowDownCap > .zero else { return .zero }
        let doublings = failures - perUsername
        guard doublings < 31 else { return slowDownCap }
        return min(slowDownBase * (1 << doublings), slowDownCap)
    }

    /// Seconds until a window that started at `windowStart` is over, at least 1.
    func retryAfter(_ windowStart: Int64, now: Int64) -> Int { Int(max(windowStart + window - now, 1)) }
}
