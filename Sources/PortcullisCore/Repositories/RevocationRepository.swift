public protocol RevocationRepository: Sendable {
    func record(_ revocation: Revocation) async throws
    /// Rows that are still in force at `now`.
    func activeRevocations(now: Int64) async throws -> [Revocation]
    /// Rows written at or after `since`, for the once-a-second mirror refresh.
    func revocations(recordedSince since: Int64, now: Int64) async throws -> [Revocation]
    /// The revocation feed of one workspace: rows in force at `now` (all of them when `since` is nil, else those
    /// written at or after it). Rows written before revocations carried a workspace are in every workspace's feed.
    func feed(workspaceID: Int, recordedSince since: Int64?, now: Int64) async throws -> [Revocation]
}
