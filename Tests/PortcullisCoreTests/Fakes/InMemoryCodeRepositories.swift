import Synchronization

@testable import PortcullisCore

/// The authorization-code and audit repositories of `InMemoryRepositories`.
extension InMemoryRepositories {
    struct Codes: AuthorizationCodeRepository {
        let base: InMemoryRepositories
        func store(_ code: NewAuthorizationCode, now: Int64) async throws {
            base.state.withLock { state in
                let id = state.newID()
                state.codes[id] = CodeRow(
                    hash: code.hash,
                    record: AuthorizationCodeRecord(
                        id: id, workspaceID: code.workspaceID, clientRowID: code.clientRowID, userID: code.userID,
                        redirectURI: code.redirectURI, redirectURIWasSent: code.redirectURIWasSent, scope: code.scope,
                        codeChallenge: code.codeChallenge, expiresAt: code.expiresAt, usedAt: nil, grantID: nil,
                        userTokenVersion: code.userTokenVersion, resources: code.resources))
            }
        }
        func consume(hash: String, clientRowID: Int, now: Int64) async throws -> AuthorizationCodeRecord? {
            base.state.withLock { state in
                guard let (id, row) = state.codes.first(where: { $0.value.hash == hash }), row.record.clientRowID == clientRowID,
                    row.record.usedAt == nil
                else { return nil }
                let used = row.record.with(usedAt: now)
                state.codes[id]?.record = used
                return used
            }
        }
        func code(hash: String) async throws -> AuthorizationCodeRecord? {
            base.state.withLock { $0.codes.values.first { $0.hash == hash }?.record }
        }
        func markReplayed(id: Int, now: Int64) async throws -> Int? {
            base.state.withLock { state in
                guard let row = state.codes[id] else { return nil }
                if row.replayedAt == nil { state.codes[id]?.replayedAt = now }
                return row.record.grantID
            }
        }
        /// Nothing is written once a replay was recorded, as the protocol says.
        func createGrant(forCode id: Int, grant: NewGrant, refreshToken: NewRefreshToken?, now: Int64) async throws -> Int? {
            base.state.withLock { state in
                guard let row = state.codes[id], row.replayedAt == nil else { return nil }
                let grantID = state.insert(grant, refreshToken: refreshToken, now: now)
                state.codes[id]?.record = row.record.with(grantID: grantID)
                return grantID
            }
        }
    }

    struct Audit: AuditRepository {
        let base: InMemoryRepositories
        func record(_ event: AuditEvent) async throws { base.state.withLock { $0.audit.append(event) } }
        func recent(workspaceID: Int, limit: Int) async throws -> [AuditEvent] {
            base.state.withLock { Array($0.audit.filter { $0.workspaceID == workspaceID }.reversed().prefix(limit)) }
        }
    }
}

extension AuthorizationCodeRecord {
    func with(usedAt: Int64? = nil, grantID: Int? = nil) -> AuthorizationCodeRecord {
        AuthorizationCodeRecord(
            id: id, workspaceID: workspaceID, clientRowID: clientRowID, userID: userID, redirectURI: redirectURI,
            redirectURIWasSent: redirectURIWasSent, scope: scope, codeChallenge: codeChallenge, expiresAt: expiresAt,
            usedAt: usedAt ?? self.usedAt, grantID: grantID ?? self.grantID, userTokenVersion: userTokenVersion, resources: resources)
    }
}
