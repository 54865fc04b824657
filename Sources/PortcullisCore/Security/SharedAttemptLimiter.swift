import Foundation
import Synchronization

/// Counters shared by every instance through the database.
public protocol ThrottleRepository: Sendable {
    /// Adds one to the key's count (starting a new window when the old one is over) and returns the count and window.
    /// `kind` is stored beside the digest so that the mirror can find the address keys.
    func increment(_ digest: String, kind: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64)
    /// Takes one off, if the window is still the one given.
    func decrement(_ digest: String, windowStart: Int64) async throws
    func count(_ digest: String, now: Int64, window: Int64) async throws -> (count: Int, windowStart: Int64)?
    /// Every key of `kind` with at least `attempts` in its current window.
    func full(kind: String, attempts: Int, now: Int64, window: Int64) async throws -> [(digest: String, count: Int, windowStart: Int64)]
    func purge(before: Int64) async throws
}

/// Every counter in the database, so every instance enforces one budget per account, per (account, address) and per
/// address.
///
/// Password attempts cost a bcrypt verification anyway, so they count in the database at begin. Other requests
/// (client credentials, revocation, introspection) only check their address, and that check must cost no database
/// read: the addresses currently full are mirrored in memory (`refreshShared`, four times a second), and this
/// instance's own writes update the mirror at once. A block is thus seen here at once and on every other instance
/// within a second.
public final class SharedAttemptLimiter: AttemptLimiter {
    private let policy: ThrottlePolicy
    private let repository: any ThrottleRepository
    private let queue: AttemptQueue
    /// Address digest → the latest count this instance knows (its own writes, or the last refresh).
    private let addresses = Mutex<[String: (count: Int, windowStart: Int64)]>([:])

    public init(policy: ThrottlePolicy, repository: any ThrottleRepository) {
        self.policy = policy
        self.repository = repository
        self.queue = AttemptQueue(patience: policy.queuePatience)
    }

    public func begin(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
        let ticket = try await queue.begin(keys) { try await count(keys, now: now) }
        if ticket.delay > .zero { await policy.sleep(ticket.delay) }
        return ticket
    }

    /// Each hard key by one atomic increment that returns the new count; a count over a hard limit is taken back and
    /// the attempt refused. A username key is only read: its failures are counted when they finish. Pairs first, then addresses, then usernames: a refused attempt's passing +1 reaches an
    /// address only when that address was already full, so it cannot block anyone's cheap requests by itself.
    private func count(_ keys: [ThrottleKey], now: Int64) async throws -> AttemptTicket {
        let order: [ThrottleKey.Kind] = [.pair, .address, .username]
        var counted: [(ThrottleKey, Int64)] = []
        var delay = Duration.zero
        do {
            for key in keys.sorted(by: { order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)! }) {
                if key.kind == .username {
                    // Failures finished anywhere (counted in `finished`), not attempts begun: a burst begun at once
                    // after N failures each waits the delay of N, and attempts still running slow nobody down.
                    let failures = try await repository.count(key.digest, now: now, window: policy.window)?.count ?? 0
                    delay = max(delay, policy.slowDown(afterFailures: failures))
                    continue
                }
                let (count, windowStart) = try await repository.increment(key.digest, kind: key.kind.rawValue, now: now, window: policy.window)
                counted.append((key, windowStart))
                if key.kind == .address { note(key.digest, count: count, windowStart: windowStart) }
                if let limit = policy.limit(for: key.kind), count > limit {
                    throw OAuthError.throttled(retryAfter: policy.retryAfter(windowStart, now: now))
                }
            }
            return AttemptTicket(counted: counted, delay: delay)
        } catch {
            await refund(counted)
            throw error
        }
    }

    private func refund(_ counted: [(key: ThrottleKey, windowStart: Int64)]) async {
        for (key, windowStart) in counted {
            try? await repository.decrement(key.digest, windowStart: windowStart)
            if key.kind == .address {
                addresses.withLock { addresses in
                    if let known = addresses[key.digest], known.windowStart == windowStart {
                        addresses[key.digest] = (max(known.count - 1, 0), windowStart)
                    }
                }
            }
        }
    }

    private func note(_ digest: String, count: Int, windowStart: Int64) {
        addresses.withLock { addresses in
            if let known = addresses[digest], known.windowStart > windowStart { return }
            addresses[digest] = (count, windowStart)
        }
    }

    public func finished(_ ticket: AttemptTicket, succeeded: Bool, now: Int64) async {
        if succeeded {
            await refund(ticket.counted)
        } else {
            // A failure of the username, shared by every instance: what slows the next attempts down.
            for key in ticket.running where key.kind == .username {
                _ = try? await repository.increment(key.digest, kind: key.kind.rawValue, now: now, window: policy.window)
            }
        }
        queue.finished(ticket.running)
    }

    public func check(_ key: ThrottleKey, now: Int64) async throws {
        guard let limit = policy.limit(for: key.kind) else { return }
        func refuses(_ known: (count: Int, windowStart: Int64)?) -> Bool { known.map { $0.count - queue.running(key) >= limit } ?? false }
        var known: (count: Int, windowStart: Int64)?
        if key.kind == .address {
            known = addresses.withLock { $0[key.digest] }.flatMap { now < $0.windowStart + policy.window ? $0 : nil }
            // The mirror may have read a count in passing: attempts that were running then and have since been
            // refunded (`refreshShared` can land between an increment and its refund). Before refusing, the database
            // decides; a read only when the mirror says full, so a check still costs none.
            if refuses(known) {
                known = try await repository.count(key.digest, now: now, window: policy.window)
                addresses.withLock { $0[key.digest] = known }
            }
        } else {
            known = try await repository.count(key.digest, now: now, window: policy.window)
        }
        if let known, refuses(known) {
            throw OAuthError.throttled(retryAfter: policy.retryAfter(known.windowStart, now: now))
        }
    }

    public func recordFailure(_ key: ThrottleKey, now: Int64) async {
        do {
            let (count, windowStart) = try await repository.increment(key.digest, kind: key.kind.rawValue, now: now, window: policy.window)
            if key.kind == .address { note(key.digest, count: count, windowStart: windowStart) }
        } catch {
            // The database is away: still count here, so this instance at least keeps its own limit.
            guard key.kind == .address else { return }
            addresses.withLock { addresses in
                let known = addresses[key.digest].flatMap { now < $0.windowStart + policy.window ? $0 : nil } ?? (count: 0, windowStart: now)
                addresses[key.digest] = (known.count + 1, known.windowStart)
            }
        }
    }

    /// Replaces the mirror with the addresses the database holds full: counts other instances added, and refunds
    /// they made, reach this instance here.
    public func refreshShared(now: Int64) async throws {
        let rows = try await repository.full(
            kind: ThrottleKey.Kind.address.rawValue, attempts: policy.perAddress, now: now, window: policy.window)
        let mirror = Dictionary(rows.map { ($0.digest, (count: $0.count, windowStart: $0.windowStart)) }, uniquingKeysWith: { $1 })
        addresses.withLock { $0 = mirror }
    }
}
