public protocol WorkspaceRepository: Sendable {
    func workspace(named name: String) async throws -> Workspace?
    func workspace(id: Int) async throws -> Workspace?
    func allWorkspaces() async throws -> [Workspace]
    /// Throws `.duplicate("name")` when the name is taken.
    func createWorkspace(named name: String, now: Int64) async throws -> Workspace
}
