import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import PortcullisCore
@testable import PortcullisServer

@Suite("Token endpoint: bodies and client authentication")
struct RequestBodyTests {
    static func expectInvalidRequest(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == .badRequest, "\(response.text)", sourceLocation: sourceLocation)
        #expect(try response.string("error") == "invalid_request", sourceLocation: sourceLocation)
    }

    func validRequest(_ server: TestServer, _ client: any TestClientProtocol) async throws -> HTTPResponse.Status {
        try await client.postForm(
            "/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret)
        ).status
    }

    @Test("Malformed bodies are invalid_request, never a 500, and the server keeps serving")
    func malformed() async throws {
        try await withServer { server, client in
            let cases: [(String, String)] = [
                ("application/json", "{\"grant_type\": \"password\""),
                ("application/json", "[1, 2, 3]"),
                ("application/json", "{\"grant_type\": {\"nested\": true}}"),
                ("application/json", "{\"grant_type\": \"password\", \"grant_type\": \"client_credentials\"}"),
                ("application/json", "\u{FF}\u{FE}"),
                ("text/plain", "grant_type=client_credentials"),
                ("application/xml", "<grant_type/>"),
                ("application/x-www-form-urlencoded", "grant_type=password&grant_type=client_credentials"),
                ("application/x-www-form-urlencoded", "grant_type=%zz"),
                ("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--"),
                ("multipart/form-data; boundary=x", "--x\r\nContent-Type: text/plain\r\n\r\n1\r\n--x--\r\n"),
            ]
            for (contentType, body) in cases {
                let response = try await client.execute(
                    uri: "/oauth/token", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(contentType) \(body.debugDescription): \(response.text)")
                #expect(try response.string("error") == "invalid_request")
            }
            #expect(try await validRequest(server, client) == .ok)
        }
    }

    @Test("A body over 64 KiB is invalid_request")
    func oversized() async throws {
        try await withServer { server, client in
            let padding = String(repeating: "a", count: 70 * 1024)
            let response = try await client.postForm("/oauth/token", [("grant_type", "client_credentials"), ("padding", padding)])
            try Self.expectInvalidRequest(response)
            #expect(try response.string("error_description") == "The request body is larger than 64 KiB")
            #expect(try await validRequest(server, client) == .ok)
        }
    }

    @Test("A JSON number is read as its digits (client_id: 6)")
    func jsonNumbers() throws {
        let parameters = try RequestParameters.parseJSON(Array("{\"client_id\": 6, \"x\": null, \"b\": true}".utf8))
        #expect(parameters == ["client_id": "6", "b": "true"])
    }

    @Test("Form decoding: + is a space, percent-escapes decode")
    func formDecoding() throws {
        #expect(try RequestParameters.parseForm("scope=view_processes+edit_processes&a=%2B%26%3D") == ["scope": "view_processes edit_processes", "a": "+&="])
        #expect(try RequestParameters.parseForm("name=Caf%C3%A9%20%e2%82%ac&empty=&flag") == ["name": "Café €", "empty": "", "flag": ""])
        #expect(try RequestParameters.parseForm("&&a=1&&") == ["a": "1"])
        for broken in ["a=%", "a=%4", "a=%zz", "a=%C3", "a=%FF", "%=1"] {
            #expect(throws: OAuthError.self, "\(broken)") { try RequestParameters.parseForm(broken) }
        }
    }

    @Test("The bearer token is read from its header: scheme in any case, blanks around it, nothing else")
    func bearerHeader() {
        #expect(BearerAuthenticator.bearerToken("Bearer abc.def.ghi") == "abc.def.ghi")
        #expect(BearerAuthenticator.bearerToken("bEaReR   abc \t") == "abc")
        #expect(BearerAuthenticator.bearerToken("Bearer    ") == nil)
        #expect(BearerAuthenticator.bearerToken("Bearer") == nil)
        #expect(BearerAuthenticator.bearerToken("Basic abc") == nil)
        #expect(BearerAuthenticator.bearerToken("Bearer\u{0}abc") == nil)
        #expect(BearerAuthenticator.bearerToken(nil) == nil)
    }

    @Test("HTTP's optional whitespace (spaces and tabs, RFC 9110 §5.6.3) is trimmed from header values, nothing more")
    func headerWhitespace() throws {
        #expect(" \t a b \t ".trimmingHTTPWhitespace() == "a b")
        #expect("\t \t".trimmingHTTPWhitespace() == "")
        #expect("é\u{00A0}".trimmingHTTPWhitespace() == "é\u{00A0}", "a no-break space is not HTTP whitespace")
        #expect(RequestParameters.parameter("charset", in: "text/plain ;\tcharset = \"utf-8\" ") == "utf-8")
        let credentials = try #require(try BasicAuthorization.parse("Basic \t" + Data("id:se%20cret".utf8).base64EncodedString() + " "))
        #expect(credentials.clientID == "id" && credentials.secret == "se cret")
    }

    @Test("HTTP Basic and body credentials at once is invalid_request; Basic with the same body client_id is fine")
    func bothMethods() async throws {
        try await withServer { server, client in
            let both = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", server.clientSecret)],
                headers: basic(server.clientID, server.clientSecret))
            try Self.expectInvalidRequest(both)
            let mismatch = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials"), ("client_id", server.machineClient.client.clientID)],
                headers: basic(server.clientID, server.clientSecret))
            try Self.expectInvalidRequest(mismatch)
            let sameID = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials"), ("client_id", server.clientID)],
                headers: basic(server.clientID, server.clientSecret))
            #expect(sameID.status == .ok)
        }
    }

    @Test("Body credentials (client_secret_post) work in every encoding")
    func bodyCredentials() async throws {
        try await withServer { server, client in
            let fields = [("grant_type", "client_credentials"), ("client_id", server.clientID), ("client_secret", server.clientSecret)]
            #expect(try await client.postForm("/oauth/token", fields).status == .ok)
            #expect(try await client.postMultipart("/oauth/token", fields).status == .ok)
            #expect(try await client.postJSON("/oauth/token", Dictionary(uniqueKeysWithValues: fields)).status == .ok)
            // No Content-Type at all: read as a form, as RFC 6749 requires the form encoding.
            let bare = try await client.execute(
                uri: "/oauth/token", method: .post, headers: [:], body: ByteBuffer(string: Body.formEncode(fields)))
            #expect(bare.status == .ok)
        }
    }

    @Test("Malformed Basic headers are invalid_request; Basic secrets are form-decoded (RFC 6749 §2.3.1)")
    func basicParsing() async throws {
        try await withServer { server, client in
            for header in ["Basic !!!notbase64", "Basic " + Data("no-colon".utf8).base64EncodedString()] {
                let response = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: [.authorization: header])
                try Self.expectInvalidRequest(response)
            }
            let encodedSecret = server.clientSecret.replacingOccurrences(of: "_", with: "%5F")
            let response = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, encodedSecret))
            #expect(response.status == .ok)
        }
    }
}
