public protocol RevocationRepository: Sendable {
    func record(_ revocation: Revocation) async throws
    /// Rows that are still in force at `now`.
    func activeRevocations(now: Int64) async throws -> [Revocation]
    /// Rows written at or after `since`, for the once-a-second mirror refresh.
    func revocations(recordedSince since: Int64, now: Int64) async throws -> [Revocation]
}
