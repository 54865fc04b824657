/// The user repository with `user(id:)`, the read of every token check, served from the mirror.
public struct MirroredUsers: UserRepository {
    let base: any UserRepository
    let mirror: RecordMirror<UserAccount>

    public init(_ base: any UserRepository, mirror: RecordMirror<UserAccount>) {
        self.base = base
        self.mirror = mirror
    }

    public func user(id: Int) async throws -> UserAccount? {
        if let user = mirror.value(for: id) { return user }
        guard let user = try await base.user(id: id) else { return nil }
        mirror.store(user, for: id)
        return user
    }

    /// Sign-in reads the password hash fresh: it is rare, and bcrypt costs far more than the read.
    public func user(username: String, workspaceID: Int) async throws -> UserAccount? {
        try await base.user(username: username, workspaceID: workspaceID)
    }

    public func createUser(_ user: NewUser, now: Int64) async throws -> UserAccount { try await base.createUser(user, now: now) }
    public func countUsers(workspaceID: Int) async throws -> Int { try await base.countUsers(workspaceID: workspaceID) }
}

/// User administration whose writes drop the user from this instance's mirror as soon as they commit (other
/// instances see them through the change feed).
public struct MirroredUserAdministration: UserAdministrationRepository {
    let base: any UserAdministrationRepository
    let mirror: RecordMirror<UserAccount>

    public init(_ base: any UserAdministrationRepository, mirror: RecordMirror<UserAccount>) {
        self.base = base
        self.mirror = mirror
    }

    public func users(workspaceID: Int, query: UserQuery) async throws -> (users: [UserAccount], total: Int) {
        try await base.users(workspaceID: workspaceID, query: query)
    }

    public func user(uid: String, workspaceID: Int) async throws -> UserAccount? { try await base.user(uid: uid, workspaceID: workspaceID) }

    public func updateUser(id: Int, changes: UserChanges, now: Int64) async throws -> UserAccount {
        defer { mirror.forget([id]) }
        return try await base.updateUser(id: id, changes: changes, now: now)
    }

    public func deleteUser(id: Int) async throws -> Bool {
        defer { mirror.forget([id]) }
        return try await base.deleteUser(id: id)
    }

    public func revokeEverything(ofUser userID: Int, now: Int64, horizon: Int64) async throws -> Revocation {
        defer { mirror.forget([userID]) }
        return try await base.revokeEverything(ofUser: userID, now: now, horizon: horizon)
    }
}

/// The client repository with the two lookups of every token request and introspection served from the mirror; its
/// writes drop the client here at once.
public struct MirroredClients: ClientRepository {
    let base: any ClientRepository
    let mirror: RecordMirror<OAuthClient>

    public init(_ base: any ClientRepository, mirror: RecordMirror<OAuthClient>) {
        self.base = base
        self.mirror = mirror
    }

    private static func alias(_ clientID: String, _ workspaceID: Int) -> String { "\(workspaceID) \(clientID)" }

    public func client(clientID: String, workspaceID: Int) async throws -> OAuthClient? {
        let alias = Self.alias(clientID, workspaceID)
        if let client = mirror.value(alias: alias) { return client }
        guard let client = try await base.client(clientID: clientID, workspaceID: workspaceID) else { return nil }
        mirror.store(client, for: client.id, alias: alias)
        return client
    }

    public func client(id: Int) async throws -> OAuthClient? {
        if let client = mirror.value(for: id) { return client }
        guard let client = try await base.client(id: id) else { return nil }
        mirror.store(client, for: id, alias: Self.alias(client.clientID, client.workspaceID))
        return client
    }

    public func clients(workspaceID: Int) async throws -> [OAuthClient] { try await base.clients(workspaceID: workspaceID) }
    public func createClient(_ client: NewClient, now: Int64) async throws -> OAuthClient { try await base.createClient(client, now: now) }

    public func updateClient(id: Int, with registration: ClientRegistration, secretHash: String?, now: Int64) async throws -> OAuthClient {
        defer { mirror.forget([id]) }
        return try await base.updateClient(id: id, with: registration, secretHash: secretHash, now: now)
    }

    public func replaceSecret(id: Int, secretHash: String, now: Int64) async throws {
        defer { mirror.forget([id]) }
        try await base.replaceSecret(id: id, secretHash: secretHash, now: now)
    }

    public func revokeGrants(clientRowID: Int, revocation: Revocation) async throws {
        try await base.revokeGrants(clientRowID: clientRowID, revocation: revocation)
    }

    public func deleteClient(id: Int, revocation: Revocation) async throws -> Bool {
        defer { mirror.forget([id]) }
        return try await base.deleteClient(id: id, revocation: revocation)
    }
}
