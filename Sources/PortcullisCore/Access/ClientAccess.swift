extension ClientAdministration {
    /// The client with this id in the workspace, if any.
    public func client(id: String, in workspace: Workspace) async throws -> OAuthClient? {
        try await clients.client(clientID: id, workspaceID: workspace.id)
    }

    /// The client a user acts on, or why not: 404 when it is not there, `PermissionDenied` when the user may not
    /// (`may`, one of the rules above). Without any right to see clients, a missing client is as forbidden as an
    /// existing one, so nobody learns which ids exist.
    public func target(
        id: String, in workspace: Workspace, for user: UserAccount, may: (OAuthClient, UserAccount) -> Bool, permission: Permission
    ) async throws -> OAuthClient {
        let denied = PermissionDenied("This action needs the permission \(permission.rawValue)")
        guard let client = try await client(id: id, in: workspace) else {
            if Self.visibility(for: user) == .none { throw denied }
            throw ResourceNotFound("There is no client \(id.prefix(64))")
        }
        guard may(client, user) else { throw denied }
        return client
    }
}
