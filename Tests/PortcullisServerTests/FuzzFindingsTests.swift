import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer

/// What the schemathesis run (e2e/test_fuzz_openapi.py) found, each pinned as a plain test.
@Suite("Fuzz findings")
struct FuzzFindingsTests {
    @Test("GET /api/1.0/users?order_by=status sorts active users first, both directions, never a 500")
    func sortByStatus() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            var headers = bearer(token)
            headers[.contentType] = "application/json"
            let deactivated = try await client.execute(
                uri: "/api/1.0/users/\(server.alice.id)", method: .put, headers: headers, body: Body.json(["status": "INACTIVE"]))
            #expect(deactivated.status.code < 300, "\(deactivated.text)")
            for (direction, expected) in [("asc", ["admin", "Alice"]), ("desc", ["Alice", "admin"])] {
                let response = try await client.get("/api/1.0/users?order_by=status&order_direction=\(direction)", token: token)
                #expect(response.status == .ok, "\(direction): \(response.status) \(response.text)")
                let rows = try response.json()["data"] as? [[String: Any]] ?? []
                #expect(rows.compactMap { $0["username"] as? String } == expected, "\(direction)")
            }
        }
    }
}
