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
