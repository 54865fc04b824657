import FluentKit
import PortcullisCore
import SQLKit

struct WorkspaceStore: WorkspaceRepository {
    let store: Store

    private struct Row: Decodable {
        let id: Int
        let name: String
        var value: Workspace { Workspace(id: id, name: name) }
    }

    func workspace(named name: String) async throws -> Workspace? {
        try await store.sql.raw("SELECT id, name FROM workspaces WHERE name = \(bind: name)")
            .first(decoding: Row.self)?.value
    }

    func workspace(id: Int) async throws -> Workspace? {
        try await store.sql.raw("SELECT id, name FROM workspaces WHERE id = \(bind: id)").first(decoding: Row.self)?.value
    }

    func allWorkspaces() async throws -> [Workspace] {
        try await store.sql.raw("SELECT id, name FROM workspaces ORDER BY name").all(decoding: Row.self).map(\.value)
    }

    func createWorkspace(named name: String, now: Int64) async throws -> Workspace {
        let model = WorkspaceModel(name: name, createdAt: now)
        do {
            try await model.create(on: store.db)
        } catch let error where error.isUniqueViolation {
            throw RepositoryError.duplicate("name")
        }
        return Workspace(id: try model.requireID(), name: name)
    }
}
