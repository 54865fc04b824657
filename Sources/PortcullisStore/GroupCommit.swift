import SQLKit
import Synchronization

/// Group commit for SQLite (issue 14): the write transactions that arrive while one is committing share the next
/// transaction and its one fsync; one that fails rolls back alone (the batch is then run again with a savepoint per
/// body, see `commit`). Nobody waits
/// on a timer: a batch is whatever queued during the previous commit (a few hundred microseconds to a millisecond),
/// so a lone write commits at once and a busy server commits hundreds of rotations per fsync. Every caller is answered
/// only after the COMMIT that holds its write has returned, so what a client is told succeeded is on disk
/// (synchronous=FULL).
final class GroupCommit: Sendable {
    /// One queued transaction body, with what to do with its outcome once the batch has committed (or failed).
    private struct Job: Sendable {
        let body: @Sendable (any SQLDatabase) async throws -> any Sendable
        let finish: @Sendable (Result<any Sendable, any Error>) -> Void
    }
    private struct State {
        var queue: [Job] = []
        var flushing = false
    }
    private let state = Mutex(State())
    private let committed = Atomic<Int>(0)
    /// How many transactions have committed (each holding one or more bodies): the fsyncs paid.
    var commits: Int { committed.load(ordering: .relaxed) }
    /// The most bodies one transaction holds: a bound on how long the write lock is held at a time.
    static let batchLimit = 256
    /// Runs one batch: BEGIN IMMEDIATE … COMMIT around the closure given, on one connection.
    typealias Transaction = @Sendable (@escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void

    /// Queues `body` for the next batch; `transaction` runs a batch (every caller passes the same one).
    func run<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T, transaction: @escaping Transaction) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                body: { sql in try await body(sql) },
                finish: { result in continuation.resume(with: result.map { $0 as! T }) })
            let start = state.withLock { state in
                state.queue.append(job)
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if start { Task { await self.drain(transaction) } }
        }
    }

    /// Commits batches until the queue is empty.
    private func drain(_ transaction: Transaction) async {
        while true {
            let batch: [Job] = state.withLock { state in
                guard !state.queue.isEmpty else {
                    state.flushing = false
                    return []
                }
                let taken = Array(state.queue.prefix(Self.batchLimit))
                state.queue.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { return }
            await commit(batch, transaction)
        }
    }

    /// Commits a batch. First without savepoints: two statements fewer per body, and a body almost never fails (a
    /// lost rotation race returns false, it does not throw). Should one throw, the batch is rolled back whole and run
    /// again with a savepoint per body, so that body fails alone. Running a body twice is safe: its first run was
    /// rolled back, the write gate keeps other writers out, and a body only reads and writes the database.
    private func commit(_ batch: [Job], _ transaction: Transaction) async {
        let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
        let failedBody = Mutex<(any Error)?>(nil)
        do {
            try await transaction { sql in
                for job in batch {
                    do {
                        let value = try await job.body(sql)
                        outcomes.withLock { $0.append(.success(value)) }
                    } catch {
                        failedBody.withLock { $0 = error }
                        throw error
                    }
                }
            }
        } catch {
            guard let bodyError = failedBody.withLock({ $0 }) else {
                // The transaction itself failed (BEGIN, COMMIT, the disk): nothing committed, every body hears it.
                for job in batch { job.finish(.failure(error)) }
                return
            }
            // A batch of one needs no second run: the rollback is what its savepoint would have done.
            if batch.count == 1 { return batch[0].finish(.failure(bodyError)) }
            return await commitEachInSavepoint(batch, transaction)
        }
        committed.add(1, ordering: .relaxed)
        for (job, outcome) in zip(batch, outcomes.withLock { $0 }) { job.finish(outcome) }
    }

    /// The batch again, each body inside a savepoint of its own, so one that fails rolls back alone.
    private func commitEachInSavepoint(_ batch: [Job], _ transaction: Transaction) async {
        let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
        do {
            try await transaction { sql in
                for job in batch {
                    try await sql.raw("SAVEPOINT grouped").run()
                    do {
                        let value = try await job.body(sql)
                        try await sql.raw("RELEASE grouped").run()
                        outcomes.withLock { $0.append(.success(value)) }
                    } catch {
                        // This body's writes go; the others' stay. Should the savepoint itself fail, the whole
                        // transaction is in doubt and the error below fails every body.
                        try await sql.raw("ROLLBACK TO grouped").run()
                        try await sql.raw("RELEASE grouped").run()
                        outcomes.withLock { $0.append(.failure(error)) }
                    }
                }
            }
        } catch {
            // Nothing of the batch committed: every body hears the failure, including those that had succeeded.
            for job in batch { job.finish(.failure(error)) }
            return
        }
        committed.add(1, ordering: .relaxed)
        for (job, outcome) in zip(batch, outcomes.withLock { $0 }) { job.finish(outcome) }
    }
}
