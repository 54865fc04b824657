import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PortcullisCore
import Testing

@testable import PortcullisServer

@Suite("Unmatched routes")
struct RouteFallbackTests {
    @Test("Attacker's pass, issue 13: 405's Allow names only the methods of the route the path really reaches (a literal segment beats a parameter)")
    func allowNamesTheLiteralRoute() async throws {
        try await withServer { server, client in
            let alice = try await server.accessToken(client)
            // /api/1.0/users/me is a route of its own (GET, HEAD); /api/1.0/users/{id}'s PUT and DELETE never reach it.
            let put = try await client.execute(uri: "/api/1.0/users/me", method: .put, headers: bearer(alice))
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "GET, HEAD", "\(put.headers[.allow] ?? "no Allow")")
            // A parameter still matches where no literal route does.
            let patch = try await client.execute(uri: "/api/1.0/users/\(server.alice.id)", method: .patch, headers: bearer(alice))
            #expect(patch.status == .methodNotAllowed)
            #expect(Set((patch.headers[.allow] ?? "").components(separatedBy: ", ")) == ["GET", "HEAD", "PUT", "DELETE"])
        }
    }

    @Test("Attacker's pass, issue 13: the clients API under /oauth/ answers a wrong method 405 with Allow, and an unknown path 404, in JSON")
    func oauthAPIAnswersJSON() async throws {
        try await withServer { server, client in
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let patch = try await client.execute(uri: "/oauth/clients", method: .patch, headers: bearer(admin))
            #expect(patch.status == .methodNotAllowed)
            #expect(Set((patch.headers[.allow] ?? "").components(separatedBy: ", ")) == ["GET", "HEAD", "POST"])
            #expect(patch.headers[.contentType]?.hasPrefix("application/json") == true)
            let unknown = try await client.execute(uri: "/oauth/clients/x/y", method: .get, headers: bearer(admin))
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType]?.hasPrefix("application/json") == true)
            // RFC 9110 §15.5.6: the token endpoint takes POST only.
            let get = try await client.execute(uri: "/oauth/token", method: .get)
            #expect(get.status == .methodNotAllowed && get.headers[.allow] == "POST")
        }
    }
}
