import FluentKit
import SQLKit

/// Every migration, in order. Numbered files; a new table or column is a new entry at the end.
enum PortcullisMigrations {
    static let all: [any Migration] = [
        M0001_CreateWorkspaces(),
        M0002_CreateUsers(),
        M0003_CreateClients(),
        M0004_CreateGrants(),
        M0005_CreateSigningKeys(),
        M0006_CreateRevocations(),
        M0007_AddUserTokenVersion(),
        M0008_CreateSessions(),
        M0009_CreateAuthorizationCodes(),
        M0010_CreateAuditEvents(),
        M0011_CreatePersonalAccessTokens(),
        M0012_CreateThrottleBuckets(),
        M0013_NeverReuseRowIDs(),
        M0014_PRECISUsernameKeys(),
        M0015_AddIntrospectionSwitch(),
        M0016_AddThrottleKind(),
        M0017_CreateConsentDecisions(),
        M0018_ClientNameKeys(),
        M0019_CreateMirrorChanges(),
        M0020_MirrorPermissionUpdates(),
        M0021_CreateResourceServers(),
        M0022_UniqueResourceURIs(),
    ]
}

extension Database {
    /// Plain (non-unique) indexes, which Fluent's schema builder does not make.
    func createIndex(_ name: String, on table: String, columns: [String]) async throws {
        guard let sql = self as? any SQLDatabase else { return }
        var builder = sql.create(index: name).on(table)
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }
}
