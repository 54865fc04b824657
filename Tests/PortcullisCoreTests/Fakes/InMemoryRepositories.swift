import Synchronization

@testable import PortcullisCore

/// Core's repositories in memory, for testing the rules without SQL. One lock over all the rows, so each method is
/// one transaction, as the protocols ask (the rotation and the code redemption are conditional updates under it).
final class InMemoryRepositories: Sendable {
    struct GrantRow {
        var grant: NewGrant
        var revokedAt: Int64?
    }
    struct RefreshRow {
        var id: Int
        var grantID: Int
        var hash: String
        var expiresAt: Int64
        var usedAt: Int64?
        var revokedAt: Int64?
    }
    struct CodeRow {
        var hash: String
        var record: AuthorizationCodeRecord
        var replayedAt: Int64?
    }
    struct State {
        var nextID = 1
        var workspaces: [Workspace] = []
        var users: [Int: UserAccount] = [:]
        var clients: [Int: OAuthClient] = [:]
        var grants: [Int: GrantRow] = [:]
        var refreshTokens: [RefreshRow] = []
        var codes: [Int: CodeRow] = [:]
        var revocations: [(Revocation, recordedAt: Int64)] = []
        var audit: [AuditEvent] = []

        mutating func newID() -> Int {
            defer { nextID += 1 }
            return nextID
        }

        mutating func insert(_ grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) -> Int {
            let id = newID()
            grants[id] = GrantRow(grant: grant, revokedAt: nil)
            if let refreshToken { insert(refreshToken, grantID: id) }
            return id
        }

        mutating func insert(_ token: NewRefreshToken, grantID: Int) {
            refreshTokens.append(RefreshRow(id: newID(), grantID: grantID, hash: token.hash, expiresAt: token.expiresAt))
        }
    }
    let state = Mutex(State())
    /// Refresh-token reads answer as they would have before any rotation or revocation committed: what the losers of a
    /// race read while the winner's transaction is open.
    let staleRefreshReads = Mutex(false)

    var workspaces: any WorkspaceRepository { Workspaces(base: self) }
    var users: any UserRepository { Users(base: self) }
    var clients: any ClientRepository { Clients(base: self) }
    var grants: any GrantRepository { Grants(base: self) }
    var revocations: any RevocationRepository { Revocations(base: self) }
    var codes: any AuthorizationCodeRepository { Codes(base: self) }
    var audit: any AuditRepository { Audit(base: self) }

    /// Changes a stored user the way user administration would (deactivation, a token-version bump).
    func changeUser(_ id: Int, isActive: Bool? = nil, tokenVersion: Int? = nil) {
        state.withLock { state in
            guard let user = state.users[id] else { return }
            state.users[id] = UserAccount(
                id: user.id, workspaceID: user.workspaceID, uid: user.uid, username: user.username, email: user.email,
                firstName: user.firstName, lastName: user.lastName, passwordHash: user.passwordHash, isSuperAdmin: user.isSuperAdmin,
                isActive: isActive ?? user.isActive, tokenVersion: tokenVersion ?? user.tokenVersion, permissions: user.permissions,
                createdAt: user.createdAt, updatedAt: user.updatedAt)
        }
    }

    /// Whether the grant is revoked.
    func grantRevocationCount(_ id: Int) -> Int {
        state.withLock { $0.revocations.filter { $0.0.kind == .grant && $0.0.value == String(id) }.count }
    }
    func isRevoked(grant id: Int) -> Bool { state.withLock { $0.grants[id]?.revokedAt != nil } }

    var auditKinds: [String] { state.withLock { $0.audit.map(\.kind) } }
}

extension InMemoryRepositories {
    struct Workspaces: WorkspaceRepository {
        let base: InMemoryRepositories
        func workspace(named name: String) async throws -> Workspace? { base.state.withLock { $0.workspaces.first { $0.name == name } } }
        func workspace(id: Int) async throws -> Workspace? { base.state.withLock { $0.workspaces.first { $0.id == id } } }
        func allWorkspaces() async throws -> [Workspace] { base.state.withLock { $0.workspaces } }
        func createWorkspace(named name: String, now: Int64) async throws -> Workspace {
            try base.state.withLock { state in
                guard !state.workspaces.contains(where: { $0.name == name }) else { throw RepositoryError.duplicate("name") }
                let workspace = Workspace(id: state.newID(), name: name)
                state.workspaces.append(workspace)
                return workspace
            }
        }
    }

    struct Users: UserRepository {
        let base: InMemoryRepositories
        func user(id: Int) async throws -> UserAccount? { base.state.withLock { $0.users[id] } }
        /// Matched by the PRECIS comparison key, as the store matches them.
        func user(username: String, workspaceID: Int) async throws -> UserAccount? {
            let key = PRECIS.usernameKey(username)
            return base.state.withLock { state in
                state.users.values.first { $0.workspaceID == workspaceID && PRECIS.usernameKey($0.username) == key }
            }
        }
        func createUser(_ user: NewUser, now: Int64) async throws -> UserAccount {
            if try await self.user(username: user.username, workspaceID: user.workspaceID) != nil { throw RepositoryError.duplicate("username") }
            return base.state.withLock { state in
                let id = state.newID()
                let account = UserAccount(
                    id: id, workspaceID: user.workspaceID, uid: "uid\(id)", username: user.username, email: user.email,
                    firstName: user.firstName, lastName: user.lastName, passwordHash: user.passwordHash, isSuperAdmin: user.isSuperAdmin,
                    isActive: user.isActive, permissions: user.permissions, createdAt: now, updatedAt: now)
                state.users[id] = account
                return account
            }
        }
        func countUsers(workspaceID: Int) async throws -> Int { base.state.withLock { $0.users.values.count { $0.workspaceID == workspaceID } } }
    }

    struct Clients: ClientRepository {
        let base: InMemoryRepositories
        func client(clientID: String, workspaceID: Int) async throws -> OAuthClient? {
            base.state.withLock { $0.clients.values.first { $0.clientID == clientID && $0.workspaceID == workspaceID } }
        }
        func client(id: Int) async throws -> OAuthClient? { base.state.withLock { $0.clients[id] } }
        func clients(workspaceID: Int) async throws -> [OAuthClient] {
            base.state.withLock { $0.clients.values.filter { $0.workspaceID == workspaceID }.sorted { $0.id < $1.id } }
        }
        func createClient(_ client: NewClient, now: Int64) async throws -> OAuthClient {
            try base.state.withLock { state in
                if state.clients.values.contains(where: { $0.workspaceID == client.workspaceID && $0.name == client.name }) {
                    throw RepositoryError.duplicate("name")
                }
                let id = state.newID()
                let stored = OAuthClient(
                    id: id, clientID: client.clientID, workspaceID: client.workspaceID, name: client.name, description: client.description,
                    website: client.website, redirectURIs: client.redirectURIs, grants: client.grants, isConfidential: client.isConfidential,
                    secretHash: client.secretHash, ownerUserID: client.ownerUserID, skipsConsent: client.skipsConsent,
                    mayIntrospect: client.mayIntrospect, createdAt: now, updatedAt: now)
                state.clients[id] = stored
                return stored
            }
        }
        func updateClient(id: Int, with registration: ClientRegistration, secretHash: String?, now: Int64) async throws -> OAuthClient {
            try base.state.withLock { state in
                guard let old = state.clients[id] else { throw RepositoryError.notFound }
                let updated = OAuthClient(
                    id: id, clientID: old.clientID, workspaceID: old.workspaceID, name: registration.name,
                    description: registration.description, website: registration.website, redirectURIs: registration.redirectURIs,
                    grants: registration.grants, isConfidential: registration.isConfidential, secretHash: secretHash,
                    ownerUserID: old.ownerUserID, skipsConsent: registration.skipsConsent, mayIntrospect: registration.mayIntrospect,
                    createdAt: old.createdAt, updatedAt: now)
                state.clients[id] = updated
                return updated
            }
        }
        func replaceSecret(id: Int, secretHash: String, now: Int64) async throws {
            guard let old = try await client(id: id) else { throw RepositoryError.notFound }
            _ = try await updateClient(
                id: id,
                with: ClientRegistration(
                    name: old.name, description: old.description, website: old.website, redirectURIs: old.redirectURIs,
                    grants: old.grants, isConfidential: old.isConfidential, skipsConsent: old.skipsConsent, mayIntrospect: old.mayIntrospect),
                secretHash: secretHash, now: now)
        }
        func revokeGrants(clientRowID: Int, revocation: Revocation) async throws {
            base.state.withLock { state in
                for (id, row) in state.grants where row.grant.clientRowID == clientRowID && row.revokedAt == nil {
                    state.grants[id]?.revokedAt = revocation.revokedAt
                }
                state.codes = state.codes.filter { $0.value.record.clientRowID != clientRowID || $0.value.record.usedAt != nil }
                state.revocations.append((revocation, revocation.revokedAt))
            }
        }
        func deleteClient(id: Int, revocation: Revocation) async throws -> Bool {
            base.state.withLock { state in
                guard state.clients.removeValue(forKey: id) != nil else { return false }
                let grantIDs = Set(state.grants.filter { $0.value.grant.clientRowID == id }.keys)
                state.grants = state.grants.filter { !grantIDs.contains($0.key) }
                state.refreshTokens.removeAll { grantIDs.contains($0.grantID) }
                state.codes = state.codes.filter { $0.value.record.clientRowID != id }
                state.revocations.append((revocation, revocation.revokedAt))
                return true
            }
        }
    }

    struct Grants: GrantRepository {
        let base: InMemoryRepositories
        func createGrant(_ grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) async throws -> Int {
            base.state.withLock { $0.insert(grant, refreshToken: refreshToken, now: now) }
        }
        func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
            base.state.withLock { state in
                guard let token = state.refreshTokens.first(where: { $0.hash == hash }), let row = state.grants[token.grantID] else { return nil }
                if base.staleRefreshReads.withLock({ $0 }) {
                    return RefreshTokenRecord(
                        id: token.id, grantID: token.grantID, workspaceID: row.grant.workspaceID, clientRowID: row.grant.clientRowID,
                        userID: row.grant.userID, scope: row.grant.scope, expiresAt: token.expiresAt, usedAt: nil, revokedAt: nil,
                        resources: row.grant.resources)
                }
                return RefreshTokenRecord(
                    id: token.id, grantID: token.grantID, workspaceID: row.grant.workspaceID, clientRowID: row.grant.clientRowID,
                    userID: row.grant.userID, scope: row.grant.scope, expiresAt: token.expiresAt, usedAt: token.usedAt,
                    revokedAt: token.revokedAt ?? row.revokedAt, resources: row.grant.resources)
            }
        }
        /// The conditional update of the protocol: only an unused, unrevoked token of a live grant is rotated.
        func rotateRefreshToken(id: Int, grantID: Int, successor: NewRefreshToken, now: Int64) async throws -> Bool {
            base.state.withLock { state in
                guard let index = state.refreshTokens.firstIndex(where: { $0.id == id }),
                    state.refreshTokens[index].usedAt == nil, state.refreshTokens[index].revokedAt == nil,
                    let grant = state.grants[grantID], grant.revokedAt == nil
                else { return false }
                state.refreshTokens[index].usedAt = now
                state.insert(successor, grantID: grantID)
                return true
            }
        }
        func revokeGrant(id: Int, now: Int64, accessTokenHorizon: Int64) async throws {
            base.state.withLock { state in
                for index in state.refreshTokens.indices where state.refreshTokens[index].grantID == id && state.refreshTokens[index].revokedAt == nil {
                    state.refreshTokens[index].revokedAt = now
                }
                if state.grants[id]?.revokedAt == nil { state.grants[id]?.revokedAt = now }
                state.revocations.append((Revocation(kind: .grant, value: String(id), revokedAt: now, expiresAt: accessTokenHorizon), now))
            }
        }
    }

    struct Revocations: RevocationRepository {
        let base: InMemoryRepositories
        func record(_ revocation: Revocation) async throws {
            base.state.withLock { $0.revocations.append((revocation, revocation.revokedAt)) }
        }
        func activeRevocations(now: Int64) async throws -> [Revocation] {
            base.state.withLock { $0.revocations.map(\.0).filter { $0.expiresAt > now } }
        }
        func revocations(recordedSince since: Int64, now: Int64) async throws -> [Revocation] {
            base.state.withLock { $0.revocations.filter { $0.recordedAt >= since && $0.0.expiresAt > now }.map(\.0) }
        }
        func feed(workspaceID: Int, recordedSince since: Int64?, now: Int64) async throws -> [Revocation] {
            base.state.withLock {
                $0.revocations.filter { $0.recordedAt >= (since ?? .min) && $0.0.expiresAt > now && ($0.0.workspaceID ?? workspaceID) == workspaceID }
                    .map(\.0)
            }
        }
    }
}
