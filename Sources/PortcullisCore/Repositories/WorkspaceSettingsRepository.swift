/// Workspace-wide settings.
public protocol WorkspaceSettingsRepository: Sendable {
    /// The longest lifetime, in days, a personal access token may have in the workspace; nil: no limit of its own.
    func maximumPersonalTokenDays(workspaceID: Int) async throws -> Int?
    func setMaximumPersonalTokenDays(_ days: Int?, workspaceID: Int) async throws
}
