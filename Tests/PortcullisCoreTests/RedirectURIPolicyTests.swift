import Testing

@testable import PortcullisCore

@Suite("Redirect URIs")
struct RedirectURIPolicyTests {
    @Test(
        "https and loopback http are accepted",
        arguments: [
            "https://app.example.com/callback", "http://127.0.0.1/cb", "http://127.0.0.1:8123/cb?x=1", "http://[::1]:9000/cb",
        ])
    func accepted(_ uri: String) {
        #expect(RedirectURIPolicy.problem(with: uri) == nil)
    }

    @Test(
        "Everything else is refused with a reason",
        arguments: [
            "http://example.com/cb", "http://localhost/cb", "https://app.example.com/cb#frag", "/relative/path",
            "javascript:alert(1)", "ftp://example.com/", "com.example.app:/callback",
            // The attacker's pass: ports that are no TCP port, or written unlike a browser would.
            "http://127.0.0.1:99999/cb", "https://x.example.com:99999/cb", "http://127.0.0.1:0/cb", "http://127.0.0.1:080/cb", "https://x.example.com:/cb",
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
        // The loopback port may vary, but only over real ports (the attacker's pass saw :99999, :65536, :0, :080 accepted).
        for port in ["99999", "65536", "0", "080"] {
            #expect(!RedirectURIPolicy.matches("http://127.0.0.1:\(port)/cb", registered: "http://127.0.0.1/cb"), "\(port)")
        }
        #expect(RedirectURIPolicy.matches("http://127.0.0.1:65535/cb", registered: "http://127.0.0.1/cb"))
    }

    /// Issue 12 finding 4: Swift's `String ==` is canonical equivalence; RFC 3986 §6.2.1 simple comparison is bytes.
    @Test("Matching compares bytes, not canonical equivalence: KELVIN SIGN is not K (finding 4)")
    func bytes() {
        #expect("https://c.example/\u{212A}b;x" == "https://c.example/Kb;x", "the trap: Swift calls them equal")
        #expect(!RedirectURIPolicy.matches("https://c.example/\u{212A}b;x", registered: "https://c.example/Kb;x"))
        #expect(!RedirectURIPolicy.matches("https://c.example/caf\u{E9}", registered: "https://c.example/cafe\u{301}"))
        #expect(RedirectURIPolicy.resolve("https://c.example/\u{212A}b;x", registered: ["https://c.example/Kb;x"]) == nil)
        // The loopback branch compares path and query as bytes too.
        #expect(!RedirectURIPolicy.matches("http://127.0.0.1:5000/\u{212A}b", registered: "http://127.0.0.1/Kb"))
        #expect(!RedirectURIPolicy.matches("http://127.0.0.1:5000/cb?q=\u{212A}", registered: "http://127.0.0.1/cb?q=K"))
        #expect(!RedirectURIPolicy.matches("http://127.0.0.1:5000/cb?", registered: "http://127.0.0.1/cb"))
        #expect(RedirectURIPolicy.matches("http://127.0.0.1:5000/cb?q=K", registered: "http://127.0.0.1/cb?q=K"))
        #expect(RedirectURIPolicy.sameBytes("a", "a") && !RedirectURIPolicy.sameBytes(nil, "a") && RedirectURIPolicy.sameBytes(nil as String?, nil))
    }

    /// Issue 12 finding 10: userinfo, CR LF and raw non-ASCII were accepted at registration.
    @Test(
        "Registration refuses userinfo, control characters and raw non-ASCII (finding 10)",
        arguments: [
            "https://u:p@c.example/cb", "https://u@c.example/cb", "http://x@127.0.0.1/cb", "https://c.example/cb\r\nSet-Cookie:%20a=b",
            "https://c.example/c\nb", "https://c.example/\u{0}", "https://c.example/cb\t", "https://c.example/\u{7F}", "https://c.example/\u{85}",
            "https://c.example/\u{212A}b", "https://c.example/a b", "https://c.example/" + String(repeating: "a", count: 2000),
        ])
    func refusedAtRegistration(_ uri: String) {
        #expect(RedirectURIPolicy.problem(with: uri) != nil, "\(uri.debugDescription)")
    }

    @Test("An @ after the authority is fine; percent-encoded non-ASCII is fine")
    func acceptedAtRegistration() {
        #expect(RedirectURIPolicy.problem(with: "https://c.example/cb?email=a@b.example") == nil)
        #expect(RedirectURIPolicy.problem(with: "https://c.example/users/@me") == nil)
        #expect(RedirectURIPolicy.problem(with: "https://c.example/%E2%84%AAb") == nil)
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
