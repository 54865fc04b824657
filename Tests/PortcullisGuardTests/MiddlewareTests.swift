import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortcullisGuard
import PortcullisGuardHummingbird
import PortcullisWire
import Testing

struct TestContext: PortcullisRequestContext {
    var coreContext: CoreRequestContextStorage
    var portcullisPrincipal: Principal?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}

/// The app the middleware tests drive (a helper, not a test): a guarded route and an open one.
func guardedApplication(_ portcullis: PortcullisGuard) -> some ApplicationProtocol {
    let router = Router(context: TestContext.self)
    router.addProtectedResourceMetadata(portcullis)
    router.group("orders")
        .add(middleware: PortcullisGuardMiddleware(portcullis, scopes: ["read:orders"]))
        .get { _, context -> String in
            "subject=\(context.portcullisPrincipal?.subject ?? "none") client=\(context.portcullisPrincipal?.clientID ?? "none")"
        }
    router.get("open") { _, context -> String in context.portcullisPrincipal == nil ? "no principal" : "principal" }
    return Application(router: router)
}

struct ErrorBody: Decodable {
    var error: String
    var errorDescription: String

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}

@Suite("Hummingbird middleware")
struct MiddlewareTests {
    @Test func principalReachesTheHandler() async throws {
        try await withGuard { env in
            let authorization = try env.bearer()
            try await guardedApplication(env.portcullis).test(.router) { client in
                try await client.execute(uri: "/orders", method: .get, headers: [.authorization: authorization]) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "subject=user_1 client=client_a")
                }
                try await client.execute(uri: "/open", method: .get) { response in
                    #expect(String(buffer: response.body) == "no principal")
                }
            }
        }
    }

    @Test func missingTokenIs401WithAChallenge() async throws {
        try await withGuard { env in
            try await guardedApplication(env.portcullis).test(.router) { client in
                try await client.execute(uri: "/orders", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    let challenge = try #require(response.headers[.wwwAuthenticate])
                    #expect(challenge.hasPrefix("Bearer realm="))
                    #expect(!challenge.contains("error="))
                    #expect(challenge.contains("resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource\""))
                    #expect(response.headers[.contentType] == "application/json")
                }
            }
        }
    }

    @Test func invalidTokenIs401WithErrorBody() async throws {
        try await withGuard { env in
            let expired = try env.bearer { $0["exp"] = env.now - 60 }
            try await guardedApplication(env.portcullis).test(.router) { client in
                try await client.execute(uri: "/orders", method: .get, headers: [.authorization: expired]) { response in
                    #expect(response.status == .unauthorized)
                    let challenge = try #require(response.headers[.wwwAuthenticate])
                    #expect(challenge.contains("error=\"invalid_token\""))
                    let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                    #expect(body.error == "invalid_token")
                    #expect(body.errorDescription.contains("expired"))
                }
            }
        }
    }

    @Test func insufficientScopeIs403() async throws {
        try await withGuard { env in
            let writeOnly = try env.bearer {
                $0["scope"] = "write:orders"
                $0["scopes"] = ["write:orders"]
            }
            try await guardedApplication(env.portcullis).test(.router) { client in
                try await client.execute(uri: "/orders", method: .get, headers: [.authorization: writeOnly]) { response in
                    #expect(response.status == .forbidden)
                    let challenge = try #require(response.headers[.wwwAuthenticate])
                    #expect(challenge.contains("error=\"insufficient_scope\""))
                    #expect(challenge.contains("scope=\"read:orders\""))
                    let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                    #expect(body.error == "insufficient_scope")
                }
            }
        }
    }

    @Test func twoAuthorizationHeadersAre400() async throws {
        try await withGuard { env in
            let authorization = try env.bearer()
            let headers = HTTPFields([HTTPField(name: .authorization, value: authorization), HTTPField(name: .authorization, value: authorization)])
            try await guardedApplication(env.portcullis).test(.router) { client in
                try await client.execute(uri: "/orders", method: .get, headers: headers) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.headers[.wwwAuthenticate]?.contains("invalid_request") == true)
                }
            }
        }
    }

    @Test func protectedResourceMetadataIsServed() async throws {
        try await withGuard({
            $0.scopesSupported = ["read:orders", "write:orders"]
            $0.resourceName = "Orders"
        }) { env in
            try await guardedApplication(env.portcullis).test(.router) { client in
                try await client.execute(uri: "/.well-known/oauth-protected-resource", method: .get) { response in
                    #expect(response.status == .ok)
                    let document = try JSONDecoder().decode(ProtectedResourceMetadata.self, from: Data(response.body.readableBytesView))
                    #expect(document.resource == testResource)
                    #expect(document.authorizationServers == [env.fake.issuer])
                    #expect(document.scopesSupported == ["read:orders", "write:orders"])
                    #expect(document.bearerMethodsSupported == ["header"])
                    #expect(document.resourceName == "Orders")
                }
            }
        }
    }
}

@Suite("Challenges and metadata")
struct ChallengeTests {
    func makeGuard(resource: String = testResource, realm: String? = nil) throws -> PortcullisGuard {
        try PortcullisGuard(configuration: GuardConfiguration(issuer: "http://127.0.0.1:1", resource: resource, realm: realm))
    }

    @Test func challengeNeverCarriesQuotesOrLineBreaksFromInput() throws {
        let portcullis = try makeGuard(realm: "evil\"realm\r\nX-Injected: 1")
        let errors: [GuardError] = [
            .missingToken, .invalidToken("bad \"quote\"\r\nSet-Cookie: a=b\\"), .invalidRequest("x\ny\"z"),
            .insufficientScope(required: ["read:orders\"\r\nX: y", "a b"]),
        ]
        for error in errors {
            let challenge = try #require(portcullis.wwwAuthenticate(for: error))
            #expect(!challenge.contains("\r"))
            #expect(!challenge.contains("\n"))
            #expect(!challenge.contains("\\"))
            // Every quote is one of the delimiters the guard wrote: parameters are name="value", comma-separated.
            let withoutDelimiters = challenge.replacingOccurrences(of: "=\"", with: "").replacingOccurrences(of: "\", ", with: "")
            #expect(withoutDelimiters.filter { $0 == "\"" }.count == 1, "stray quote in \(challenge)")
            #expect(challenge.hasSuffix("\""))
        }
    }

    @Test func protectedResourceMetadataDocument() throws {
        let portcullis = try PortcullisGuard(
            configuration: GuardConfiguration(issuer: "http://127.0.0.1:8080", resource: testResource, scopesSupported: ["read:orders"]))
        let document = portcullis.protectedResourceMetadata
        #expect(document.resource == testResource)
        #expect(document.authorizationServers == ["http://127.0.0.1:8080"])
        #expect(document.scopesSupported == ["read:orders"])
        #expect(document.bearerMethodsSupported == ["header"])
        #expect(portcullis.resourceMetadataURL == "https://api.example.com/.well-known/oauth-protected-resource")
    }

    @Test func metadataURLForAResourceWithAPath() throws {
        // RFC 9728 §3.1: the well-known segment goes between the host and the path.
        #expect(try makeGuard(resource: "https://api.example.com/v1/").resourceMetadataURL == "https://api.example.com/.well-known/oauth-protected-resource/v1")
        #expect(try makeGuard(resource: "http://127.0.0.1:9000").resourceMetadataURL == "http://127.0.0.1:9000/.well-known/oauth-protected-resource")
    }

    @Test func unavailableIsNotAChallenge() throws {
        #expect(try makeGuard().wwwAuthenticate(for: .unavailable("down")) == nil)
    }
}
