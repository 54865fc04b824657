/// One row of the change feed: a user or client row that was written, and when (by the database's clock).
public struct RecordChange: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case user
        case client
    }

    public let kind: Kind
    /// The user's id or the client's row id.
    public let target: Int
    /// Seconds since the epoch, by the database's clock.
    public let recordedAt: Int64

    public init(kind: Kind, target: Int, recordedAt: Int64) {
        self.kind = kind
        self.target = target
        self.recordedAt = recordedAt
    }
}

/// The change feed the record mirrors follow (written by the database itself, so every write path is in it).
public protocol ChangeRepository: Sendable {
    /// The newest `recordedAt` in the feed, or nil when it is empty: where a mirror starts following.
    func latestChange() async throws -> Int64?
    /// Every change recorded at or after `since`.
    func changes(recordedSince since: Int64) async throws -> [RecordChange]
}
