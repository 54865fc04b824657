import Foundation
import HTTPTypes
import HummingbirdTesting
import PortcullisCore
import PortcullisServer
import Testing

/// Issue 12 findings 4, 6, 7, 9 and the registration part of 10, over HTTP: what a person types is prepared by PRECIS
/// (RFC 8265) before it is compared or stored, redirect URIs are compared as bytes, and no text input is a 500.
@Suite("Text input: PRECIS, byte-exact redirect URIs, bounded filters")
struct TextInputTests {
    static var fields: [String: Any] { ["email": "x@example.com", "firstname": "X", "lastname": "Y", "password": "look-alike-pw-1"] }

    /// Finding 6: `admin\0x` was created and shown as `admin`; finding 7: each look-alike was its own account.
    @Test(
        "Look-alikes of admin are refused or collide with it; admin\\0x is refused (findings 6, 7)",
        arguments: [
            "admin\u{0}x", "admin\u{200D}", "\u{FF41}\u{FF44}\u{FF4D}\u{FF49}\u{FF4E}", "ADM\u{130}N", "\u{0430}dmin", "nimda\u{202E}", "ADMIN",
            // The attacker's pass: a dotless i, a script a, small capitals (each was created beside admin).
            "adm\u{131}n", "\u{251}dmin", "\u{1D00}\u{1D05}\u{1D0D}\u{26A}\u{274}",
        ])
    func lookAlikes(_ username: String) async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let response = try await client.postJSON("/api/1.0/users", Self.fields.merging(["username": username]) { $1 }, headers: bearer(token))
            #expect(response.status == .unprocessableContent, "\(response.text)")
            let messages = try #require((try response.json()["errors"] as? [String: [String]])?["username"])
            #expect(messages.count == 1 && messages[0].hasPrefix("The username "), "\(messages)")
            let list = try await client.get("/api/1.0/users?per_page=100", token: token)
            #expect((try list.json()["data"] as? [[String: Any]])?.count == 2, "only admin and Alice")
        }
    }

    @Test("A username wholly in Cyrillic letters that look Latin collides with the Latin one (attacker's pass: асе beside ace)")
    func wholeScriptLookAlike() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let latin = try await client.postJSON("/api/1.0/users", Self.fields.merging(["username": "ace"]) { $1 }, headers: bearer(token))
            #expect(latin.status == .created, "\(latin.text)")
            for lookAlike in ["\u{0430}\u{0441}\u{0435}", "\u{03B1}ce"] {
                let created = try await client.postJSON("/api/1.0/users", Self.fields.merging(["username": lookAlike]) { $1 }, headers: bearer(token))
                #expect(created.status == .unprocessableContent, "\(lookAlike): \(created.text)")
            }
            // A Cyrillic name that looks like nothing Latin is its own account.
            let ivan = try await client.postJSON(
                "/api/1.0/users", Self.fields.merging(["username": "\u{0438}\u{0432}\u{0430}\u{043D}"]) { $1 }, headers: bearer(token))
            #expect(ivan.status == .created, "\(ivan.text)")
        }
    }

    @Test("café in NFC and in NFD are one username; renaming onto a look-alike collides (finding 7)")
    func normalisationCollides() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let nfc = try await client.postJSON("/api/1.0/users", Self.fields.merging(["username": "caf\u{E9}"]) { $1 }, headers: bearer(token))
            #expect(nfc.status == .created, "\(nfc.text)")
            let nfd = try await client.postJSON("/api/1.0/users", Self.fields.merging(["username": "cafe\u{301}"]) { $1 }, headers: bearer(token))
            #expect(nfd.status == .unprocessableContent)
            #expect((try nfd.json()["errors"] as? [String: [String]])?["username"] == ["The username has already been taken."])
            let renamed = try await client.putJSON(
                "/api/1.0/users/\(try #require(try nfc.json()["id"] as? Int))", ["username": "ＡＬＩＣＥ"], token: token)
            #expect(renamed.status == .unprocessableContent, "\(renamed.text)")
            // The café user signs in with the NFD spelling, in capitals.
            #expect(try await server.login(client, username: "CAFE\u{301}", password: "look-alike-pw-1")["access_token"] != nil)
        }
    }

    @Test("Signing in as ＡＤＭＩＮ (fullwidth) is the admin account (RFC 8265 §3.3 width and case mapping)")
    func fullwidthSignIn() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "ＡＤＭＩＮ", password: TestServer.adminPassword)
            let me = try await client.get("/api/1.0/users/me", token: token)
            #expect(try me.string("username") == "admin")
            let browser = Browser(client)
            let signedIn = try await signIn(browser, username: "ＡＤＭＩＮ", password: TestServer.adminPassword)
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location]?.contains("error") != true, "\(signedIn.headers[.location] ?? "")")
        }
    }

    /// Finding 6: bcrypt stops at NUL, so `ab\0cdefghij` passed the 8-character rule and signed in with `ab`.
    @Test("A password with a NUL is refused when set, and never verifies (finding 6)")
    func nulPassword() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let created = try await client.postJSON(
                "/api/1.0/users", Self.fields.merging(["username": "nul", "password": "ab\u{0}cdefghij"]) { $1 }, headers: bearer(token))
            #expect(created.status == .unprocessableContent)
            #expect((try created.json()["errors"] as? [String: [String]])?["password"]?.first?.contains("control") == true)
            let update = try await client.putJSON("/api/1.0/users/\(server.alice.id)", ["password": "ab\u{0}cdefghij"], token: token)
            #expect(update.status == .unprocessableContent)
            // The hasher: a typed NUL never verifies, even against a hash of the text before it.
            let hasher = BcryptPasswordHasher(cost: 4, threads: 1)
            let hash = try await hasher.hash("abcdefgh")
            #expect(await hasher.verify("abcdefgh", against: hash))
            #expect(!(await hasher.verify("abcdefgh\u{0}zzz", against: hash)))
            await #expect(throws: PRECIS.Refusal.self) { try await hasher.hash("ab\u{0}cdefghij") }
            // OpaqueString: a no-break space is the space it looks like.
            #expect(await hasher.verify("abcd\u{00A0}efgh", against: try await hasher.hash("abcd efgh")))
            await hasher.shutdown()
        }
    }

    @Test("A client named Web\\0 is refused, not a second Web (finding 6)")
    func nulClientName() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let response = try await client.postJSON(
                "/oauth/clients", ["name": "Web\u{0}", "redirect": "https://c.example/cb"], headers: bearer(token))
            #expect(response.status == .unprocessableContent, "\(response.text)")
            #expect((try response.json()["errors"] as? [String: [String]])?["name"]?.first?.contains("control") == true)
            await #expect(throws: ValidationFailure.self) {
                try await server.portcullis.registerClient(ClientRegistration(name: "Web\u{0}", grants: [.clientCredentials]), in: server.workspace)
            }
        }
    }

    /// Finding 9: SQLite refuses LIKE patterns over 50,000 bytes, and 25,500 underscores escape to 51,000.
    @Test("A 60,000-character filter is a 4xx in both dialects, and % and _ match only themselves (finding 9)")
    func longFilter() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            for filter in [String(repeating: "a", count: 60_000), String(repeating: "_", count: 25_500)] {
                let pm4 = try await client.get("/api/1.0/users?filter=\(filter)", token: token)
                #expect(pm4.status == .unprocessableContent)
                #expect((try pm4.json()["errors"] as? [String: [String]])?["filter"] == ["The filter may not be greater than 100 characters."])
                let pm3 = try await client.get("/api/1.0/workflow/users?filter=\(filter)", token: token)
                #expect(pm3.status == .badRequest)
            }
            let wildcard = try await client.get("/api/1.0/users?filter=%25", token: token)
            #expect(wildcard.status == .ok)
            #expect((try wildcard.json()["data"] as? [[String: Any]])?.isEmpty == true)
            let fullwidth = try await client.get("/api/1.0/users?" + Body.formEncode([("filter", "ＡＬＩ")]), token: token)
            #expect((try fullwidth.json()["data"] as? [[String: Any]])?.first?["username"] as? String == "Alice")
            for bad in ["order_by=nope", "order_direction=sideways", "per_page=0", "per_page=\(String(repeating: "9", count: 400))", "page=-1", "page=x"] {
                #expect(try await client.get("/api/1.0/users?\(bad)", token: token).status == .unprocessableContent, "\(bad)")
            }
            #expect(try await client.get("/api/1.0/users?filter=\(String(repeating: "a", count: 100))", token: token).status == .ok)
            // Counted in graphemes, a letter with 8,700 U+0F73 was one character and still a 500 in both dialects; and 60
            // U+0F73 are 120 scalars after NFC (U+0F73 decomposes), the form the store matches.
            for filter in ["a" + String(repeating: "\u{0F73}", count: 8700), "a" + String(repeating: "\u{0F73}", count: 60)] {
                let encoded = Body.formEncode([("filter", filter)])
                let pm4 = try await client.get("/api/1.0/users?" + encoded, token: token)
                #expect(pm4.status == .unprocessableContent, "\(pm4.status)")
                #expect((try? pm4.json()["errors"] as? [String: [String]])?["filter"] == ["The filter may not be greater than 100 characters."])
                let pm3 = try await client.get("/api/1.0/workflow/users?" + encoded, token: token)
                #expect(pm3.status == .badRequest, "\(pm3.status)")
            }
        }
    }

    /// Limits counted graphemes: `é` with 10,000 U+0301 was a one-character username, and a 40 KB client name of one
    /// letter and its marks was created. Now lengths count scalars, and more than 4 marks on one letter are refused.
    @Test("Long runs of combining marks are refused in usernames, names and client names (422)")
    func combiningMarks() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let marks = String(repeating: "\u{301}", count: 10_000)
            let users: [(String, [String: Any], String)] = [
                ("username", ["username": "\u{E9}" + marks], "The username may not be greater than 100 characters."),
                (
                    "username", ["username": "\u{E9}\u{301}\u{302}\u{303}\u{304}\u{305}"],
                    "The username may not put more than 4 combining marks on one character."
                ),
                ("firstname", ["username": "marks1", "firstname": "A" + marks], "The firstname may not be greater than 50 characters."),
                (
                    "lastname", ["username": "marks2", "lastname": "Zo\u{EB}\u{301}\u{302}\u{303}\u{304}\u{305}"],
                    "The lastname may not put more than 4 combining marks on one character."
                ),
            ]
            for (field, fields, message) in users {
                let response = try await client.postJSON("/api/1.0/users", Self.fields.merging(fields) { $1 }, headers: bearer(token))
                #expect(response.status == .unprocessableContent, "\(field): \(response.status)")
                #expect((try? response.json()["errors"] as? [String: [String]])?[field] == [message], "\(response.text.prefix(300))")
            }
            // Four marks on one letter are still a name (Vietnamese and many scripts stack two or three).
            let four = try await client.postJSON(
                "/api/1.0/users", Self.fields.merging(["username": "e\u{302}\u{301}\u{323}\u{300}\u{301}x"]) { $1 }, headers: bearer(token))
            #expect(four.status == .created, "\(four.text)")
            for (name, message) in [
                ("a" + String(repeating: "\u{301}", count: 20_000), "The name may not be greater than 255 characters."),
                ("Caf\u{E9}\u{301}\u{302}\u{303}\u{304}\u{305}", "The name may not put more than 4 combining marks on one character."),
            ] {
                let response = try await client.postJSON("/oauth/clients", ["name": name, "redirect": "https://c.example/cb"], headers: bearer(token))
                #expect(response.status == .unprocessableContent, "\(response.status)")
                #expect((try? response.json()["errors"] as? [String: [String]])?["name"] == [message], "\(response.text.prefix(300))")
            }
        }
    }

    /// Finding 4: Swift's `==` matched `https://c.example/\u{212A}b;x` (KELVIN SIGN) to a registered `.../Kb;x`.
    @Test("A redirect URI canonically equal but byte-different from the registered one gets an error page, no redirect (finding 4)")
    func kelvinRedirect() async throws {
        try await withServer { server, client in
            let registered = try await server.portcullis.registerClient(
                ClientRegistration(name: "Kelvin", redirectURIs: ["https://c.example/Kb;x"], grants: [.authorizationCode]), in: server.workspace)
            let browser = Browser(client)
            _ = try await signIn(browser)
            for sent in ["https://c.example/\u{212A}b;x", "https://c.example/%E2%84%AAb;x"] {
                let response = try await browser.get(authorizeURL(registered.client.clientID, [("redirect_uri", sent)]))
                #expect(response.status == .badRequest)
                #expect(response.headers[.location] == nil)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            let exact = try await browser.get(authorizeURL(registered.client.clientID, [("redirect_uri", "https://c.example/Kb;x")]))
            #expect(exact.status == .ok, "the consent page")
        }
    }

    /// Finding 10: registration accepted `https://u:p@c.example/cb` and a redirect URI with CR LF.
    @Test("Registration refuses redirect URIs with userinfo, CR, LF or other control characters (finding 10)")
    func registrationRefusals() async throws {
        try await withServer { server, client in
            let token = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            for uri in [
                "https://u:p@c.example/cb", "https://u@c.example/cb", "https://c.example/cb\r\nSet-Cookie: x=1", "https://c.example/\u{0}cb",
                "https://c.example/\u{212A}b",
            ] {
                let response = try await client.postJSON("/oauth/clients", ["name": "Bad redirect", "redirect": uri], headers: bearer(token))
                #expect(response.status == .unprocessableContent, "\(uri.debugDescription): \(response.text)")
                #expect((try response.json()["errors"] as? [String: [String]])?["redirect"] != nil)
            }
        }
    }
}
