import FluentKit
import Foundation
import PortcullisTestSupport
import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisStore

/// Client names are unique per workspace by `ClientRegistration.nameKey` (prepared display name, NFC, lowercased), and
/// M0018 recomputes the keys rows got before (`lowercased()` of the raw name).
@Suite("Store: client name keys")
struct ClientNameKeyTests {
    /// A client as the code before M0018 stored it: the key was Swift's `lowercased()` of the raw name.
    static func legacyClient(_ store: Store, _ workspace: Workspace, _ name: String) async throws -> OAuthClient {
        let client = try await store.clients.createClient(Self.newClient(workspace, "tmp-\(UUID())"), now: 1)
        try await store.sql.raw("UPDATE clients SET name = \(bind: name), name_key = \(bind: name.lowercased()) WHERE id = \(bind: client.id)").run()
        return try #require(try await store.clients.client(id: client.id))
    }

    static func newClient(_ workspace: Workspace, _ name: String) -> NewClient {
        NewClient(
            workspaceID: workspace.id, clientID: "C\(UUID().uuidString)", name: name, grants: [.clientCredentials], isConfidential: true,
            secretHash: "x")
    }

    @Test("M0018 recomputes existing clients' name keys: an NFC Café is refused beside an NFD one from before")
    func migration() async throws {
        try await withStore { store in
            let workspace = try await store.workspaces.createWorkspace(named: "one", now: 1)
            let other = try await store.workspaces.createWorkspace(named: "two", now: 1)
            let nfd = try await Self.legacyClient(store, workspace, "Cafe\u{301}")
            _ = try await Self.legacyClient(store, workspace, "Web")
            _ = try await Self.legacyClient(store, other, "Caf\u{E9}")  // another workspace: no collision
            try await M0018_ClientNameKeys().prepare(on: store.db)
            await #expect(throws: RepositoryError.duplicate("name")) {
                try await store.clients.createClient(Self.newClient(workspace, "CAF\u{C9}"), now: 2)
            }
            await #expect(throws: RepositoryError.duplicate("name")) {
                try await store.clients.createClient(Self.newClient(workspace, "WEB"), now: 2)
            }
            // The name is kept as it was typed; only the key changed.
            #expect(try await store.clients.client(id: nfd.id)?.name.unicodeScalars.count == 5)
            try await M0018_ClientNameKeys().prepare(on: store.db)  // idempotent
            // Creating and renaming use the same key: a rename onto the NFD spelling collides too.
            let plain = try await store.clients.createClient(Self.newClient(workspace, "Plain"), now: 2)
            await #expect(throws: RepositoryError.duplicate("name")) {
                try await store.clients.updateClient(
                    id: plain.id, with: ClientRegistration(name: "caf\u{E9}", grants: [.clientCredentials]), secretHash: "x", now: 3)
            }
        }
    }

    @Test("M0018 stops, naming both clients, when two clients of a workspace are one name under NFC and case")
    func migrationCollision() async throws {
        try await withStore { store in
            let workspace = try await store.workspaces.createWorkspace(named: "one", now: 1)
            let nfc = try await Self.legacyClient(store, workspace, "Caf\u{E9}")
            let nfd = try await Self.legacyClient(store, workspace, "cafe\u{301}")
            do {
                try await M0018_ClientNameKeys().prepare(on: store.db)
                Issue.record("the migration went through")
            } catch let error as StoreError {
                #expect("\(error)".contains("client id \(nfc.id) (CafU+00E9)"), "\(error)")
                #expect("\(error)".contains("client id \(nfd.id) (cafeU+0301)"), "\(error)")
            }
            // Nothing changed: the transaction rolled back.
            let keys = try await store.sql.raw("SELECT name_key FROM clients WHERE workspace_id = \(bind: workspace.id) ORDER BY id")
                .all(decodingColumn: "name_key", as: String.self)
            #expect(keys.map { Array($0.unicodeScalars) } == [Array("caf\u{E9}".unicodeScalars), Array("cafe\u{301}".unicodeScalars)])
        }
    }
}
