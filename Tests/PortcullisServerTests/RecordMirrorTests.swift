import Foundation
import HTTPTypes
import HummingbirdTesting
import PortcullisStore
import Testing

@testable import PortcullisCore
@testable import PortcullisServer

/// Issue 14: users and clients are mirrored in memory, so checking a token reads no database; a change made anywhere
/// (another instance, the CLI, SQL typed into the database) is in force here at the next mirror pass (a quarter second apart).
@Suite("Record mirrors: user and client state current at every mirror pass")
struct RecordMirrorTests {
    /// Another process on the same database, as `portcullis` CLI commands are.
    static func otherInstance(of server: TestServer) async throws -> Portcullis {
        let other = try await Portcullis.open(server.portcullis.configuration, logger: TestServer.quietLogger)
        _ = try await other.bootstrap()
        return other
    }

    @Test("Mirror passes are a quarter second apart by default: with the pass itself, the one-second promise")
    func passInterval() async throws {
        #expect(Configuration().mirrorInterval <= 0.25)
        try await withServer { server, _ in
            // Passes keep coming while the server runs, each one counted (this throws when none completes).
            try await server.nextMirrorPass()
        }
    }

    @Test("A permission given by another process is in force here after the next mirror pass, with no revocation to carry it", .timeLimit(.minutes(5)))
    func permissionAcrossInstances() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            #expect(try await client.get("/api/1.0/users", token: token).status == .forbidden)
            let other = try await Self.otherInstance(of: server)
            _ = try await other.store.userAdministration.updateUser(
                id: server.alice.id, changes: UserChanges(permissions: [.viewUsers]), now: other.clock.now())
            await other.close()
            try await server.nextMirrorPass()
            #expect(try await client.get("/api/1.0/users", token: token).status == .ok)
        }
    }

    @Test("A user deleted by another process: its token stops here after the next mirror pass", .timeLimit(.minutes(5)))
    func deletionAcrossInstances() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .ok)
            let other = try await Self.otherInstance(of: server)
            // The bare row delete, without the revocation the administration records: the mirror alone must carry it.
            #expect(try await other.store.userAdministration.deleteUser(id: server.alice.id))
            await other.close()
            try await server.nextMirrorPass()
            #expect(try await client.get("/api/1.0/users/me", token: token).status == .unauthorized)
        }
    }

    @Test("A client secret replaced by another process stops authenticating here after the next mirror pass", .timeLimit(.minutes(5)))
    func secretAcrossInstances() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client)
            func introspect() async throws -> HTTPResponse.Status {
                try await client.postForm("/oauth/introspect", [("token", token)], headers: basic(server.clientID, server.clientSecret)).status
            }
            #expect(try await introspect() == .ok)
            let other = try await Self.otherInstance(of: server)
            let fresh = try await other.clientAdministration.regenerateSecret(of: server.client.client)
            await other.close()
            try await server.nextMirrorPass()
            #expect(try await introspect() == .unauthorized)
            let response = try await client.postForm("/oauth/introspect", [("token", token)], headers: basic(server.clientID, fresh))
            #expect(response.status == .ok)
        }
    }
}
