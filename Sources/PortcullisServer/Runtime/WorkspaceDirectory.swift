import PortcullisStore
import PortcullisCore
import Synchronization

/// Workspaces are never renamed or removed, so a name once found is cached for good; unknown names are
/// looked up each time, so one made by the CLI is served at once.
final class WorkspaceDirectory: Sendable {
    private let cache = Mutex<[String: Workspace]>([:])

    func lookup(_ name: String, in repository: any WorkspaceRepository) async throws -> Workspace? {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        guard Workspace.isValidName(name), let found = try await repository.workspace(named: name) else { return nil }
        cache.withLock { $0[name] = found }
        return found
    }
}

extension Portcullis {
    /// The workspace with this name, if it exists.
    public func resolveWorkspace(named name: String) async throws -> Workspace? {
        try await workspaceDirectory.lookup(name, in: store.workspaces)
    }
}
