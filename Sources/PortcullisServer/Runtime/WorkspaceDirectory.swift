public import PortcullisCore
import PortcullisStore
import Synchronization

/// Workspaces are never renamed or removed, so a name once found is cached for good; unknown names are
/// looked up each time, so one made by the CLI is served at once.
final class WorkspaceDirectory: Sendable {
    private let cache = Mutex<[String: Workspace]>([:])
    /// Names recently found missing, with when: a flood of made-up names costs one lookup each per few seconds.
    private let misses = Mutex<[String: ContinuousClock.Instant]>([:])
    private static let missLifetime: Duration = .seconds(2)

    func lookup(_ name: String, in repository: any WorkspaceRepository) async throws -> Workspace? {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        guard Workspace.isValidName(name) else { return nil }
        let now = ContinuousClock.now
        if let missed = misses.withLock({ $0[name] }), now - missed < Self.missLifetime { return nil }
        guard let found = try await repository.workspace(named: name) else {
            misses.withLock { misses in
                if misses.count > 10_000 { misses.removeAll() }
                misses[name] = now
            }
            return nil
        }
        cache.withLock { $0[name] = found }
        return found
    }

    /// A workspace made here is served at once, whatever was looked up before.
    func forgetMiss(_ name: String) { _ = misses.withLock { $0.removeValue(forKey: name) } }
}

extension Portcullis {
    /// The workspace with this name, if it exists.
    public func resolveWorkspace(named name: String) async throws -> Workspace? {
        try await workspaceDirectory.lookup(name, in: store.workspaces)
    }
}
