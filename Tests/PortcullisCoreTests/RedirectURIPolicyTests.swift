import Testing

@testable import PortcullisCore

@Suite("Redirect URIs")
struct RedirectURIPolicyTests {
    @Test("https and loopback http are accepted", arguments: [
        "https://app.example.com/callback", "http://127.0.0.1/cb", "http://127.0.0.1:8123/cb?x=1", "http://[::1]:9000/cb",
    ])
    func accepted(_ uri: String) {
        #expect(RedirectURIPolicy.problem(with: uri) == nil)
    }

    @Test("Everything else is refused with a reason", arguments: [
        "http://example.com/cb", "http://localhost/cb", "https://app.example.com/cb#frag", "/relative/path",
        "javascript:alert(1)", "ftp://example.com/", "com.example.app:/callback",
    ])
    func refused(_ uri: String) {
        #expect(RedirectURIPolicy.problem(with: uri) != nil)
    }

    @Test("Matching is exact, except the port of loopback IP literals (RFC 8252 §7.3)")
    func matching() {
        #expect(RedirectURIPolicy.matches("https://a.example/cb", registered: "https://a.example/cb"))
        #expect(!RedirectURIPolicy.matches("https://a.example/cb/", registered: "https://a.example/cb"))
        #expect(!RedirectURIPolicy.matches("https://a.example/cb?x=1", registered: "https://a.example/cb"))
        #expect(!RedirectURIPolicy.matches("https://A.example/cb", registered: "https://a.example/cb"))
        #expect(!RedirectURIPolicy.matches("https://a.example:444/cb", registered: "https://a.example/cb"))
        #expect(RedirectURIPolicy.matches("http://127.0.0.1:51000/cb", registered: "http://127.0.0.1/cb"))
        #expect(RedirectURIPolicy.matches("http://[::1]:51000/cb", registered: "http://[::1]:8080/cb"))
        #expect(!RedirectURIPolicy.matches("http://127.0.0.1:51000/other", registered: "http://127.0.0.1/cb"))
        #expect(!RedirectURIPolicy.matches("http://127.0.0.2:51000/cb", registered: "http://127.0.0.1/cb"))
        #expect(!RedirectURIPolicy.matches("https://127.0.0.1:51000/cb", registered: "http://127.0.0.1/cb"))
    }

    @Test("Resolution: the only registered URI when none is sent, nothing when several are registered")
    func resolution() {
        #expect(RedirectURIPolicy.resolve(nil, registered: ["https://a.example/cb"]) == "https://a.example/cb")
        #expect(RedirectURIPolicy.resolve(nil, registered: ["https://a.example/cb", "https://b.example/cb"]) == nil)
        #expect(RedirectURIPolicy.resolve("https://evil.example/cb", registered: ["https://a.example/cb"]) == nil)
    }
}

@Suite("Client registration")
struct ClientRegistrationTests {
    func fields(_ registration: ClientRegistration) -> [String] { registration.validationErrors().map(\.field) }

    @Test("A name and a grant are required")
    func required() {
        #expect(fields(ClientRegistration(name: " ", grants: [.password])) == ["name"])
        #expect(fields(ClientRegistration(name: String(repeating: "x", count: 256), grants: [.password])) == ["name"])
        #expect(fields(ClientRegistration(name: "App", grants: [])) == ["grants"])
        #expect(fields(ClientRegistration(name: "App", grants: [.password])).isEmpty)
    }

    @Test("Code and implicit grants need a valid redirect URL")
    func redirects() {
        #expect(fields(ClientRegistration(name: "App", grants: [.authorizationCode])) == ["redirect"])
        #expect(fields(ClientRegistration(name: "App", grants: [.implicit])) == ["redirect"])
        #expect(fields(ClientRegistration(name: "App", redirectURIs: ["http://evil.example/"], grants: [.authorizationCode])) == ["redirect"])
        #expect(fields(ClientRegistration(name: "App", redirectURIs: ["https://ok.example/cb"], grants: [.authorizationCode])).isEmpty)
    }

    @Test("Website must be http(s); public clients cannot use client credentials")
    func otherRules() {
        #expect(fields(ClientRegistration(name: "App", website: "notaurl", grants: [.password])) == ["website"])
        #expect(fields(ClientRegistration(name: "App", website: "https://example.com", grants: [.password])).isEmpty)
        #expect(fields(ClientRegistration(name: "App", grants: [.clientCredentials], isConfidential: false)) == ["public"])
    }

    @Test("Generated client ids are 32 upper-case letters and differ")
    func clientIDs() {
        let a = ClientRegistration.generateClientID()
        let b = ClientRegistration.generateClientID()
        #expect(a.count == 32 && a.allSatisfy { $0.isUppercase && $0.isLetter })
        #expect(a != b)
    }
}
