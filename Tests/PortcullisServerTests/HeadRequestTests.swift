import HTTPTypes
import HummingbirdTesting
import NIOCore
import PortcullisCore
import Testing

@testable import PortcullisServer

@Suite("HEAD on the API")
struct HeadRequestTests {
    @Test("Audit finding 10: every GET route of the API answers HEAD with GET's status and checks, and no content")
    func headAnswersLikeGet() async throws {
        try await withServer { server, client in
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let alice = try await server.accessToken(client)
            for path in ["/api/1.0/users/me", "/api/1.0/users", "/api/1.0/workflow/users", "/oauth/clients", "/api/1.0/users/\(server.alice.id)/tokens"] {
                let get = try await client.get(path, token: admin)
                let head = try await client.execute(uri: path, method: .head, headers: bearer(admin))
                #expect(get.status == .ok && head.status == .ok, "\(path): GET \(get.status), HEAD \(head.status)")
                #expect(head.body.readableBytes == 0, "\(path): HEAD carries no content")
                // RFC 9110 §8.6: if HEAD names a length, it is GET's.
                #expect(
                    head.headers[.contentLength] == nil || head.headers[.contentLength] == String(get.body.readableBytes),
                    "\(path): HEAD says \(head.headers[.contentLength] ?? "-"), GET sent \(get.body.readableBytes)")
                let anonymous = try await client.execute(uri: path, method: .head)
                #expect(anonymous.status == .unauthorized, "\(path): HEAD is checked like GET")
            }
            // The permission checks are GET's too.
            #expect(try await client.execute(uri: "/api/1.0/users", method: .head, headers: bearer(alice)).status == .forbidden)
            // A method no route has is still 405, and its Allow header now names HEAD beside GET.
            let patch = try await client.execute(uri: "/api/1.0/users/me", method: .patch, headers: bearer(admin))
            #expect(patch.status == .methodNotAllowed)
            #expect(patch.headers[.allow]?.contains("HEAD") == true, "\(patch.headers[.allow] ?? "no Allow")")
        }
    }
}

@Suite("HEAD on the API, over a real connection")
struct HeadOverTheWireTests {
    @Test("HEAD's Content-Length is GET's, no body follows it, and the connection serves the next request")
    func headOverTheWire() async throws {
        try await withServer(live: true) { server, client in
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let get = try await client.get("/api/1.0/users/me", token: admin)
            let head = try await client.execute(uri: "/api/1.0/users/me", method: .head, headers: bearer(admin))
            #expect(head.status == .ok && head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == String(get.body.readableBytes))
            #expect(try await client.get("/api/1.0/users/me", token: admin).body.readableBytes == get.body.readableBytes)
        }
    }
}
