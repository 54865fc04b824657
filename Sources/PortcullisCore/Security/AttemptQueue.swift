import Foundation
import Synchronization

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

    /// How many requests wait for an attempt of `key` to finish (for tests).
    func waiting(_ key: ThrottleKey) -> Int { state.withLock { $0.waiting[key]?.count ?? 0 } }

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
