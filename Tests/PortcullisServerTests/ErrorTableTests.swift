import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

extension Store {
    /// Raw SQL for tests that need to age or inspect rows.
    func sqlForTests(_ text: String) async throws { try await sql.raw(SQLQueryString(text)).run() }
    func countForTests(_ text: String) async throws -> Int {
        try await sql.raw(SQLQueryString(text)).first(decodingColumn: "n", as: Int.self) ?? -1
    }
}

/// One row of DESIGN.md's error table, exercised in both dialects.
@Suite("Token endpoint: the error table")
struct ErrorTableTests {
    enum Path: String, CaseIterable, Sendable {
        case pm4 = "/oauth/token"
        case pm3 = "/workflow/oauth2/token"
    }

    static func expectError(
        _ response: TestResponse, path: Path, status: HTTPResponse.Status, error: String, description: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        let body = try response.json()
        #expect(body["error"] as? String == error, sourceLocation: sourceLocation)
        #expect(body["error_description"] as? String == description, sourceLocation: sourceLocation)
        switch path {
        case .pm4: #expect(body["message"] as? String == description, sourceLocation: sourceLocation)
        case .pm3: #expect(body["message"] == nil, sourceLocation: sourceLocation)
        }
        #expect(response.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
    }

    @Test("Bad client secret: invalid_client, 401", arguments: Path.allCases)
    func badSecret(_ path: Path) async throws {
        try await withServer { server, client in
            let response = try await client.postForm(
                path.rawValue, [("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", "wrong")])
            try Self.expectError(response, path: path, status: .unauthorized, error: "invalid_client", description: "The client credentials are invalid")
            #expect(response.headers[.wwwAuthenticate] == nil)
            let unknown = try await client.postForm(
                path.rawValue, [("grant_type", "client_credentials"), ("client_id", "NOSUCHCLIENT"), ("client_secret", "x")])
            try Self.expectError(unknown, path: path, status: .unauthorized, error: "invalid_client", description: "The client credentials are invalid")
        }
    }

    @Test("Bad Basic credentials: 401 with WWW-Authenticate: Basic (RFC 6749 §5.2)", arguments: Path.allCases)
    func badBasic(_ path: Path) async throws {
        try await withServer { server, client in
            let response = try await client.postForm(path.rawValue, [("grant_type", "client_credentials")], headers: basic(server.clientID, "wrong"))
            try Self.expectError(response, path: path, status: .unauthorized, error: "invalid_client", description: "The client credentials are invalid")
            #expect(response.headers[.wwwAuthenticate] == "Basic realm=\"portcullis\"")
        }
    }

    @Test("No client credentials: invalid_client, 401", arguments: Path.allCases)
    func noCredentials(_ path: Path) async throws {
        try await withServer { _, client in
            let response = try await client.postForm(path.rawValue, [("grant_type", "password"), ("username", "alice"), ("password", "x")])
            try Self.expectError(
                response, path: path, status: .unauthorized, error: "invalid_client",
                description: "Client credentials were not found in the headers or body")
        }
    }

    @Test("Bad username or password: invalid_grant, 400", arguments: Path.allCases)
    func badPassword(_ path: Path) async throws {
        try await withServer { server, client in
            for (username, password) in [("alice", "wrong-password"), ("nobody", TestServer.alicePassword)] {
                let response = try await client.postForm(
                    path.rawValue,
                    [
                        ("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                        ("username", username), ("password", password),
                    ])
                try Self.expectError(
                    response, path: path, status: .badRequest, error: "invalid_grant", description: "Invalid username and password combination")
            }
        }
    }

    @Test("Unknown grant type: unsupported_grant_type, 400", arguments: Path.allCases)
    func unknownGrant(_ path: Path) async throws {
        try await withServer { server, client in
            for grant in ["X", "implicit", "urn:ietf:params:oauth:grant-type:device_code"] {
                let response = try await client.postForm(
                    path.rawValue, [("grant_type", grant), ("client_id", server.clientID), ("client_secret", server.clientSecret)])
                try Self.expectError(
                    response, path: path, status: .badRequest, error: "unsupported_grant_type", description: "Grant type \"\(grant)\" not supported")
            }
        }
    }

    @Test("Unknown scope: invalid_scope, 400", arguments: Path.allCases)
    func unknownScope(_ path: Path) async throws {
        try await withServer { server, client in
            let response = try await client.postForm(
                path.rawValue,
                [
                    ("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", server.clientSecret),
                    ("scope", "* admin"),
                ])
            try Self.expectError(response, path: path, status: .badRequest, error: "invalid_scope", description: "An unsupported scope was requested")
        }
    }

    @Test("Missing parameters: invalid_request, 400", arguments: Path.allCases)
    func missing(_ path: Path) async throws {
        try await withServer { server, client in
            let noGrant = try await client.postForm(path.rawValue, [("client_id", server.clientID)])
            try Self.expectError(
                noGrant, path: path, status: .badRequest, error: "invalid_request", description: "The grant type was not specified in the request")
            let noPassword = try await client.postForm(
                path.rawValue,
                [("grant_type", "password"), ("client_id", server.clientID), ("client_secret", server.clientSecret), ("username", "alice")])
            try Self.expectError(
                noPassword, path: path, status: .badRequest, error: "invalid_request",
                description: "Missing parameters: \"username\" and \"password\" required")
            let noRefresh = try await client.postForm(
                path.rawValue, [("grant_type", "refresh_token"), ("client_id", server.clientID), ("client_secret", server.clientSecret)])
            try Self.expectError(
                noRefresh, path: path, status: .badRequest, error: "invalid_request",
                description: "Missing parameter: \"refresh_token\" is required")
        }
    }

    @Test("pm3's suppress_response_codes=true answers 200 with the error object")
    func suppressResponseCodes() async throws {
        try await withServer { server, client in
            let response = try await client.postForm(
                "/workflow/oauth2/token?suppress_response_codes=true",
                [("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", "wrong")])
            #expect(response.status == .ok)
            #expect(try response.string("error") == "invalid_client")
            // Without the flag, pm3 sends real status codes.
            let plain = try await client.postForm(
                "/workflow/oauth2/token", [("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", "wrong")])
            #expect(plain.status == .unauthorized)
            // pm4 ignores the flag.
            let pm4 = try await client.postForm(
                "/oauth/token?suppress_response_codes=true",
                [("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", "wrong")])
            #expect(pm4.status == .unauthorized)
        }
    }

    @Test("pm3's revoke and introspect honour suppress_response_codes=true as its token endpoint does; pm4's ignore it")
    func suppressResponseCodesOnRevokeAndIntrospect() async throws {
        try await withServer { server, client in
            let wrong = [("token", "anything"), ("client_id", server.clientID), ("client_secret", "wrong")]
            for endpoint in ["revoke", "introspect"] {
                let suppressed = try await client.postForm("/workflow/oauth2/\(endpoint)?suppress_response_codes=true", wrong)
                #expect(suppressed.status == .ok, "\(endpoint)")
                #expect(try suppressed.string("error") == "invalid_client", "\(endpoint)")
                #expect(suppressed.headers[.cacheControl] == "no-store")
                let plain = try await client.postForm("/workflow/oauth2/\(endpoint)", wrong)
                #expect(plain.status == .unauthorized, "\(endpoint)")
                let pm4 = try await client.postForm("/oauth/\(endpoint)?suppress_response_codes=true", wrong)
                #expect(pm4.status == .unauthorized, "\(endpoint)")
                #expect(try pm4.string("error") == "invalid_client", "\(endpoint)")
            }
        }
    }

    @Test("An unknown workspace on pm3 routes is 503 with an empty body")
    func unknownWorkspace() async throws {
        try await withServer { server, client in
            for path in ["/nosuch/oauth2/token", "/no%20such/oauth2/token", "/wOrKfLoW/oauth2/token"] {
                let response = try await client.postForm(
                    path, [("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", server.clientSecret)])
                #expect(response.status == .serviceUnavailable, "\(path)")
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test("A workspace made after start is served at once, and its clients are its own")
    func secondWorkspace() async throws {
        try await withServer { server, client in
            let other = try await server.portcullis.createWorkspace(named: "sales")
            let registered = try await server.portcullis.registerClient(ClientRegistration(name: "Sales App", grants: [.clientCredentials]), in: other)
            let ok = try await client.postForm(
                "/sales/oauth2/token", [("grant_type", "client_credentials")], headers: basic(registered.client.clientID, registered.secret!))
            #expect(ok.status == .ok)
            #expect((try jwtPayload(try ok.string("access_token")!))["aud"] as? String == "http://portcullis.test/api/1.0/sales")
            // A client of one workspace is unknown in another.
            let foreign = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials")], headers: basic(registered.client.clientID, registered.secret!))
            #expect(foreign.status == .unauthorized)
        }
    }
}
