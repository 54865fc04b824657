import Synchronization

/// Users and clients as this instance last read them, so that checking a token, introspecting one or authenticating a
/// client never reads the database (issue 14). An entry is read through on first use and dropped when the change feed
/// names it: at once for a write made here, within the mirror interval (a quarter second by default) for one made by
/// another instance or the CLI. So a deactivation, a permission or password change, a secret rotation or a deletion is
/// in force everywhere within a second, the promise revocations make (docs/SCALING.md).
public final class RecordMirror<Value: Sendable>: Sendable {
    private struct State {
        var entries: [Int: Value] = [:]
        /// Secondary keys (a client's workspace and `client_id`) to the row id.
        var aliases: [String: Int] = [:]
    }
    private let state = Mutex(State())
    /// At most this many entries; past it the mirror starts again empty (each entry is one read away).
    private let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    public func value(for id: Int) -> Value? { state.withLock { $0.entries[id] } }

    public func value(alias: String) -> Value? {
        state.withLock { s in s.aliases[alias].flatMap { s.entries[$0] } }
    }

    public func store(_ value: Value, for id: Int, alias: String? = nil) {
        state.withLock { s in
            if s.entries.count >= capacity { s = State() }
            s.entries[id] = value
            if let alias { s.aliases[alias] = id }
        }
    }

    /// Drops entries; their aliases lead nowhere until stored again.
    public func forget(_ ids: some Sequence<Int>) {
        state.withLock { s in
            for id in ids { s.entries.removeValue(forKey: id) }
        }
    }
}

/// The record mirrors of one instance and the feed that keeps them current.
public final class RecordMirrors: Sendable {
    public let users: RecordMirror<UserAccount>
    public let clients: RecordMirror<OAuthClient>
    private let cursor = Mutex<Int64?>(nil)

    public init(capacity: Int = 100_000) {
        users = RecordMirror(capacity: capacity)
        clients = RecordMirror(capacity: capacity)
    }

    /// Drops what the changes name.
    public func apply(_ changes: some Sequence<RecordChange>) {
        var users: [Int] = []
        var clients: [Int] = []
        for change in changes {
            switch change.kind {
            case .user: users.append(change.target)
            case .client: clients.append(change.target)
            }
        }
        self.users.forget(users)
        self.clients.forget(clients)
    }

    /// One pass of the follower: reads the feed from a little before the newest change seen (a transaction that
    /// commits late, by up to `overlap` seconds, is still seen) and applies it. Applying a change twice is harmless.
    public func follow(_ feed: any ChangeRepository, overlap: Int64 = 5) async throws {
        guard let since = cursor.withLock({ $0 }) else {
            // The first pass: nothing is mirrored yet, so older changes do not matter.
            let latest = try await feed.latestChange() ?? 0
            cursor.withLock { $0 = $0 ?? latest }
            return
        }
        let changes = try await feed.changes(recordedSince: since - overlap)
        apply(changes)
        if let newest = changes.map(\.recordedAt).max() { cursor.withLock { $0 = max($0 ?? newest, newest) } }
    }
}
