import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

/// Clients for the authorization-code tests.
struct WebClients {
    static let callback = "https://app.example.com/callback"
    let web: RegisteredClient
    let spa: RegisteredClient
    let implicit: RegisteredClient
    let trusted: RegisteredClient

    static func register(_ server: TestServer) async throws -> WebClients {
        let p = server.portcullis
        let ws = server.workspace
        return WebClients(
            web: try await p.registerClient(
                ClientRegistration(name: "Web App", website: "https://app.example.com", redirectURIs: [callback], grants: [.authorizationCode]), in: ws),
            spa: try await p.registerClient(
                ClientRegistration(name: "Native App", redirectURIs: ["http://127.0.0.1/cb"], grants: [.authorizationCode], isConfidential: false),
                in: ws),
            implicit: try await p.registerClient(
                ClientRegistration(name: "Legacy SPA", redirectURIs: ["https://spa.example.com/cb"], grants: [.implicit], isConfidential: false),
                in: ws),
            trusted: try await p.registerClient(
                ClientRegistration(name: "First Party", redirectURIs: [callback], grants: [.authorizationCode], skipsConsent: true), in: ws))
    }
}

/// Signs in through the login page, as a person would.
func signIn(_ browser: Browser, username: String = "alice", password: String = TestServer.alicePassword, loginURL: String = "/login")
    async throws -> TestResponse
{
    let page = try await browser.get(loginURL)
    #expect(page.status == .ok, "login page: \(page.status)")
    var fields = HTML.hiddenFields(page.text)
    fields += [("username", username), ("password", password)]
    return try await browser.post(HTML.formAction(page.text) ?? "/login", fields)
}

func authorizeURL(_ clientID: String, _ extra: [(String, String)] = [], path: String = "/oauth/authorize") -> String {
    path + "?" + Body.formEncode([("response_type", "code"), ("client_id", clientID), ("state", "st-123")] + extra)
}

@Suite("Authorization code: the whole flow")
struct AuthorizationFlowTests {
    @Test("Login, consent, Accept, code, token: with PKCE S256, the code is bound and single use")
    func wholeFlow() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            let verifier = Base64URL.encode(SecureRandom.bytes(40))
            let start = try await browser.get(
                authorizeURL(
                    clients.web.client.clientID,
                    [
                        ("scope", "view_processes"), ("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256"),
                    ]))
            #expect(start.status == .seeOther)
            let loginLocation = try #require(start.headers[.location])
            #expect(loginLocation.hasPrefix("/login?redirect=%2Foauth%2Fauthorize%3F"))
            let loggedIn = try await signIn(browser, loginURL: loginLocation)
            #expect(loggedIn.status == .seeOther)
            #expect(loggedIn.headers[.location]?.hasPrefix("/oauth/authorize?") == true)
            let consent = try await browser.follow(loggedIn)
            #expect(consent.status == .ok)
            #expect(consent.text.contains("<strong>Web App</strong> wants to use your account"))
            #expect(consent.text.contains("Read your data (view only)"))
            #expect(consent.text.contains("https://app.example.com"))

            let accept = try await browser.post(HTML.formAction(consent.text)!, HTML.hiddenFields(consent.text) + [("decision", "accept")])
            #expect(accept.status == .seeOther)
            let location = try #require(accept.headers[.location])
            #expect(location.hasPrefix(WebClients.callback + "?code=pcl_ac_"))
            let parameters = locationParameters(location)
            #expect(parameters["state"] == "st-123")
            #expect(parameters["iss"] == "http://portcullis.test")
            let code = try #require(parameters["code"])

            let token = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier)],
                headers: basic(clients.web.client.clientID, clients.web.secret!))
            #expect(token.status == .ok, "\(token.text)")
            #expect(try token.string("scope") == "view_processes")
            #expect(try token.string("refresh_token")?.hasPrefix("pcl_rt_") == true)
            let me = try await client.get("/api/1.0/users/me", token: try token.string("access_token"))
            #expect(try me.string("username") == "Alice")
        }
    }

    @Test("A replayed code is refused and revokes every token issued from it")
    func replay() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let code = try await Self.code(server, client, clients.web)
            let credentials = basic(clients.web.client.clientID, clients.web.secret!)
            let first = try await client.postForm("/oauth/token", [("grant_type", "authorization_code"), ("code", code)], headers: credentials).json()
            let replay = try await client.postForm("/oauth/token", [("grant_type", "authorization_code"), ("code", code)], headers: credentials)
            #expect(replay.status == .badRequest)
            #expect(try replay.string("error_description") == "Authorization code doesn't exist or is invalid for the client")
            #expect(try await client.get("/api/1.0/users/me", token: first["access_token"] as? String).status == .unauthorized)
            let refresh = try await client.postForm(
                "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", first["refresh_token"] as! String)], headers: credentials)
            #expect(try refresh.string("error") == "invalid_grant")
        }
    }

    @Test("A code issued before the user's password was changed is refused (invalid_grant); one issued after works")
    func codeIssuedBeforePasswordChange() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let credentials = basic(clients.web.client.clientID, clients.web.secret!)
            let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
            let code = try await Self.code(server, client, clients.web)
            let changed = try await client.execute(
                uri: "/api/1.0/users/\(server.alice.id)", method: .put, headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"],
                body: Body.json(["password": "a-new-password-9"]))
            #expect(changed.status == .ok, "\(changed.text)")
            let redeemed = try await client.postForm("/oauth/token", [("grant_type", "authorization_code"), ("code", code)], headers: credentials)
            #expect(redeemed.status == .badRequest, "\(redeemed.text)")
            #expect(try redeemed.string("error") == "invalid_grant")
            #expect(try redeemed.string("error_description") == "Authorization code doesn't exist or is invalid for the client")
            // The user signs in with the new password: that code is good.
            let fresh = try await Self.code(server, client, clients.web, password: "a-new-password-9")
            let token = try await client.postForm("/oauth/token", [("grant_type", "authorization_code"), ("code", fresh)], headers: credentials)
            #expect(token.status == .ok, "\(token.text)")
        }
    }

    /// Signs in, accepts, and returns the code from the callback.
    static func code(
        _ server: TestServer, _ client: any TestClientProtocol, _ registered: RegisteredClient, extra: [(String, String)] = [],
        password: String = TestServer.alicePassword
    ) async throws -> String {
        let browser = Browser(client)
        _ = try await signIn(browser, password: password)
        let consent = try await browser.get(authorizeURL(registered.client.clientID, extra))
        guard consent.status == .ok else { throw TestFailure("consent: \(consent.status) \(consent.headers[.location] ?? "")") }
        let accept = try await browser.post(HTML.formAction(consent.text)!, HTML.hiddenFields(consent.text) + [("decision", "accept")])
        guard let code = locationParameters(accept.headers[.location] ?? "")["code"] else { throw TestFailure("no code: \(accept.headers[.location] ?? "")") }
        return code
    }

    @Test("An expired code is refused")
    func expiredCode() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let code = try await Self.code(server, client, clients.web)
            server.time.advance(301)
            let response = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code)], headers: basic(clients.web.client.clientID, clients.web.secret!))
            #expect(try response.string("error") == "invalid_grant")
        }
    }

    @Test("A code is bound to its client and to the redirect URI the request named")
    func binding() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let code = try await Self.code(server, client, clients.web, extra: [("redirect_uri", WebClients.callback)])
            let trusted = basic(clients.trusted.client.clientID, clients.trusted.secret!)
            let foreign = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", WebClients.callback)], headers: trusted)
            #expect(try foreign.string("error") == "invalid_grant")
            let own = basic(clients.web.client.clientID, clients.web.secret!)
            let missing = try await client.postForm("/oauth/token", [("grant_type", "authorization_code"), ("code", code)], headers: own)
            #expect(try missing.string("error") == "invalid_grant", "the redirect_uri must be repeated")
            let second = try await Self.code(server, client, clients.web, extra: [("redirect_uri", WebClients.callback)])
            let good = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", second), ("redirect_uri", WebClients.callback)], headers: own)
            #expect(good.status == .ok, "\(good.text)")
        }
    }

    @Test("Deny sends the browser back with the seed's access_denied error")
    func deny() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let consent = try await browser.get(authorizeURL(clients.web.client.clientID))
            let deny = try await browser.post(HTML.formAction(consent.text)!, HTML.hiddenFields(consent.text) + [("decision", "deny")])
            #expect(deny.status == .seeOther)
            #expect(
                deny.headers[.location]
                    == "https://app.example.com/callback?error=access_denied&error_description=The+user+denied+access+to+your+application&state=st-123&iss=http%3A%2F%2Fportcullis.test"
            )
        }
    }

    @Test("A first-party client that skips consent gets its code at once; everyone else sees the consent screen every time")
    func consentSkipping() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let trusted = try await browser.get(authorizeURL(clients.trusted.client.clientID))
            #expect(trusted.status == .seeOther)
            #expect(trusted.headers[.location]?.hasPrefix(WebClients.callback + "?code=") == true)
            for _ in 0..<2 {
                #expect(try await browser.get(authorizeURL(clients.web.client.clientID)).status == .ok)
            }
        }
    }

    @Test("The consent form needs the session's CSRF token, and a session")
    func consentCSRF() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let consent = try await browser.get(authorizeURL(clients.web.client.clientID))
            let fields = HTML.hiddenFields(consent.text).filter { $0.0 != "csrf" }
            let forged = try await browser.post("/oauth/authorize", fields + [("csrf", "pcl_xs_forged"), ("decision", "accept")])
            #expect(forged.status == .forbidden)
            #expect(forged.headers[.location] == nil)
            let stranger = Browser(client)
            let noSession = try await stranger.post("/oauth/authorize", HTML.hiddenFields(consent.text) + [("decision", "accept")])
            #expect(noSession.status == .forbidden)
        }
    }

    @Test("A consent form is good for one decision: no decision leaves it good, a decision uses it up")
    func consentFormOnce() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let consent = try await browser.get(authorizeURL(clients.web.client.clientID))
            let fields = HTML.hiddenFields(HTML.mainForm(consent.text))
            #expect(try await browser.post("/oauth/authorize", fields + [("decision", "maybe")]).status == .badRequest)
            let deny = try await browser.post("/oauth/authorize", fields + [("decision", "deny")])
            #expect(
                deny.status == .seeOther && locationParameters(deny.headers[.location] ?? "")["error"] == "access_denied", "\(deny.headers[.location] ?? "")")
            let again = try await browser.post("/oauth/authorize", fields + [("decision", "accept")])
            #expect(again.status == .forbidden && again.headers[.location] == nil, "a used form issues nothing")
        }
    }

    /// The consent form's hidden fields, with `changes` applied (a nil value removes the field).
    static func consentFields(_ page: TestResponse, _ changes: [String: String?] = [:]) -> [(String, String)] {
        var fields = HTML.hiddenFields(HTML.mainForm(page.text))
        for (name, value) in changes {
            fields.removeAll { $0.0 == name }
            if let value { fields.append((name, value)) }
        }
        return fields
    }

    static func field(_ page: TestResponse, _ name: String) -> String? {
        HTML.hiddenFields(HTML.mainForm(page.text)).first { $0.0 == name }?.1
    }

    @Test("A consent nonce is bound to the user and the session that saw the screen: refused in another user's or session's form")
    func consentNonceBoundToUserAndSession() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            _ = try await server.portcullis.createUser(username: "bob", password: "bob-password-1", in: server.workspace)
            let url = authorizeURL(clients.web.client.clientID)
            let alice = Browser(client)
            _ = try await signIn(alice)
            let alicesScreen = try await alice.get(url)
            let alicesNonce = try #require(Self.field(alicesScreen, "consent"))
            // Bob's own session and CSRF token, alice's nonce: the CSRF check passes, the nonce must not.
            let bob = Browser(client)
            _ = try await signIn(bob, username: "bob", password: "bob-password-1")
            let bobsScreen = try await bob.get(url)
            let asBob = try await bob.post("/oauth/authorize", Self.consentFields(bobsScreen, ["consent": alicesNonce]) + [("decision", "accept")])
            #expect(asBob.status == .forbidden && asBob.headers[.location] == nil, "user A's nonce in user B's session: \(asBob.status)")
            // Alice herself in a second browser (another session): refused as well.
            let laptop = Browser(client)
            _ = try await signIn(laptop)
            let laptopScreen = try await laptop.get(url)
            let otherSession = try await laptop.post(
                "/oauth/authorize", Self.consentFields(laptopScreen, ["consent": alicesNonce]) + [("decision", "accept")])
            #expect(otherSession.status == .forbidden && otherSession.headers[.location] == nil, "another session: \(otherSession.status)")
            // Her own form in her own session still decides, once.
            let own = try await alice.post("/oauth/authorize", Self.consentFields(alicesScreen) + [("decision", "accept")])
            #expect(locationParameters(own.headers[.location] ?? "")["code"] != nil, "\(own.headers[.location] ?? "")")
        }
    }

    @Test("A consent nonce is bound to its request: client X's nonce with client Y's parameters, another scope, state or redirect is refused")
    func consentNonceBoundToRequest() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let other = try await server.portcullis.registerClient(
                ClientRegistration(name: "Other App", redirectURIs: ["https://other.example/cb", "https://other.example/cb2"], grants: [.authorizationCode]),
                in: server.workspace)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let screenX = try await browser.get(authorizeURL(clients.web.client.clientID, [("scope", "edit_processes")]))
            let nonceX = try #require(Self.field(screenX, "consent"))
            let screenY = try await browser.get(authorizeURL(other.client.clientID, [("redirect_uri", "https://other.example/cb")]))
            let altered: [(String, [(String, String)])] = [
                ("client Y's parameters", Self.consentFields(screenY, ["consent": nonceX])),
                ("another scope", Self.consentFields(screenX, ["scope": "view_processes"])),
                ("another state", Self.consentFields(screenX, ["state": "st-other"])),
                (
                    "a PKCE challenge added",
                    Self.consentFields(screenX, ["code_challenge": String(repeating: "a", count: 43), "code_challenge_method": "S256"])
                ),
                ("a response type changed", Self.consentFields(screenX, ["response_type": "token"])),
                ("Y's other redirect URI", Self.consentFields(screenY, ["consent": nonceX, "redirect_uri": "https://other.example/cb2"])),
                ("Y's own nonce, another redirect URI", Self.consentFields(screenY, ["redirect_uri": "https://other.example/cb2"])),
            ]
            for (what, fields) in altered {
                let response = try await browser.post("/oauth/authorize", fields + [("decision", "accept")])
                #expect(locationParameters(response.headers[.location] ?? "")["code"] == nil, "\(what) got a code")
                #expect(response.status.code < 500, "\(what): \(response.status)")
            }
            // None of that used the forms up: each decides for its own request.
            let x = try await browser.post("/oauth/authorize", Self.consentFields(screenX) + [("decision", "accept")])
            #expect(locationParameters(x.headers[.location] ?? "")["code"] != nil, "\(x.headers[.location] ?? "")")
            let y = try await browser.post("/oauth/authorize", Self.consentFields(screenY) + [("decision", "deny")])
            #expect(y.headers[.location]?.hasPrefix("https://other.example/cb?") == true, "\(y.headers[.location] ?? "")")
        }
    }

    @Test("A consent form older than 30 minutes is refused; one just younger still decides")
    func consentFormExpires() async throws {
        // A session that outlives the form, so that only the form's age can refuse it.
        try await withServer({ $0.sessionIdleTimeout = 3 * 3600 }) { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let url = authorizeURL(clients.web.client.clientID)
            let young = try await browser.get(url)
            let old = try await browser.get(url)
            server.time.advance(30 * 60 - 5)
            let accepted = try await browser.post("/oauth/authorize", Self.consentFields(young) + [("decision", "accept")])
            #expect(locationParameters(accepted.headers[.location] ?? "")["code"] != nil, "\(accepted.status) \(accepted.headers[.location] ?? "")")
            server.time.advance(10)
            let expired = try await browser.post("/oauth/authorize", Self.consentFields(old) + [("decision", "accept")])
            #expect(expired.status == .forbidden && expired.headers[.location] == nil, "a form of 30 min 5 s: \(expired.status)")
        }
    }

    @Test("Showing the consent screen stores nothing; only a decision adds a row")
    func consentScreenStoresNothing() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            func rows() async throws -> Int {
                try await server.portcullis.store.sql.raw("SELECT COUNT(*) AS n FROM consent_decisions").first()?.decode(column: "n", as: Int.self) ?? -1
            }
            let before = try await rows()
            var last: TestResponse?
            for _ in 0..<20 {
                let screen = try await browser.get(authorizeURL(clients.web.client.clientID))
                #expect(screen.status == .ok)
                last = screen
            }
            let afterScreens = try await rows()
            #expect(afterScreens == before, "20 consent screens added \(afterScreens - before) rows")
            _ = try await browser.post("/oauth/authorize", Self.consentFields(try #require(last)) + [("decision", "deny")])
            #expect(try await rows() == before + 1)
        }
    }
}

@Suite("Authorization code: validation")
struct AuthorizationValidationTests {
    @Test("An unknown client or a bad redirect URI gets an error page and no redirect")
    func noRedirect() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let twoURIs = try await server.portcullis.registerClient(
                ClientRegistration(name: "Two", redirectURIs: ["https://a.example/cb", "https://b.example/cb"], grants: [.authorizationCode]),
                in: server.workspace)
            let browser = Browser(client)
            let cases = [
                authorizeURL("NOSUCHCLIENT"),
                "/oauth/authorize?response_type=code",
                authorizeURL(clients.web.client.clientID, [("redirect_uri", "https://evil.example/callback")]),
                authorizeURL(clients.web.client.clientID, [("redirect_uri", "https://app.example.com/callback/")]),
                authorizeURL(clients.web.client.clientID, [("redirect_uri", "https://app.example.com/callback?x=1")]),
                authorizeURL(twoURIs.client.clientID),
                authorizeURL(clients.web.client.clientID) + "&client_id=\(clients.web.client.clientID)",
            ]
            for url in cases {
                let response = try await browser.get(url)
                #expect(response.status == .badRequest, "\(url)")
                #expect(response.headers[.location] == nil, "\(url) redirected")
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            let page = try await browser.get(authorizeURL(twoURIs.client.clientID))
            #expect(page.text.contains("No redirect URL was supplied or stored"))
        }
    }

    @Test(
        "Other errors go back to the redirect URI with error, error_description, state and iss",
        arguments: [
            ([("response_type", "")], "invalid_request"),
            ([("response_type", "id_token")], "unsupported_response_type"),
            ([("response_type", "token")], "unauthorized_client"),
            ([("scope", "admin")], "invalid_scope"),
            ([("code_challenge", String(repeating: "a", count: 43)), ("code_challenge_method", "plain")], "invalid_request"),
            ([("code_challenge", String(repeating: "a", count: 43))], "invalid_request"),
            ([("code_challenge", "short"), ("code_challenge_method", "S256")], "invalid_request"),
            ([("code_challenge_method", "S256")], "invalid_request"),
            ([("state", "again")], "invalid_request"),
        ])
    func redirectedErrors(_ extra: [(String, String)], _ error: String) async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            var url = "/oauth/authorize?" + Body.formEncode([("client_id", clients.web.client.clientID), ("state", "st-123")])
            if !extra.contains(where: { $0.0 == "response_type" }) { url += "&response_type=code" }
            url += "&" + Body.formEncode(extra)
            // Errors go to the client only once the user signed in (RFC 9700 §4.11.2; the next test covers the other case).
            let browser = Browser(client)
            _ = try await signIn(browser)
            let response = try await browser.get(url)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            // Implicit requests get their errors in the fragment (RFC 6749 §4.2.2.1).
            let implicit = extra.contains { $0 == ("response_type", "token") }
            #expect(location.hasPrefix(WebClients.callback + (implicit ? "#" : "?")))
            let parameters = locationParameters(location, fragment: implicit)
            #expect(parameters["error"] == error, "\(location)")
            #expect(parameters["error_description"]?.isEmpty == false)
            #expect(parameters["iss"] == "http://portcullis.test")
            #expect(parameters["state"] != nil)
        }
    }

    @Test(
        "Without a session an error is not redirected to the client: the login page first, the error after sign-in (RFC 9700 §4.11.2)",
        arguments: [
            ("/oauth/authorize", "/login?redirect=%2Foauth%2Fauthorize%3F"),
            ("/workflow/oauth2/authorize", "/sysworkflow/en/neoclassic/login/login?u=http%3A%2F%2Fportcullis.test%2Fworkflow%2Foauth2%2Fauthorize%3F"),
        ])
    func errorsWaitForSignIn(_ path: String, _ loginPrefix: String) async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let url =
                path + "?"
                + Body.formEncode([
                    ("response_type", "bogus"), ("client_id", clients.web.client.clientID), ("redirect_uri", WebClients.callback), ("state", "st-9"),
                ])
            let browser = Browser(client)
            let anonymous = try await browser.get(url)
            #expect(anonymous.status == .seeOther)
            let login = try #require(anonymous.headers[.location])
            #expect(login.hasPrefix(loginPrefix), "\(login)")
            #expect(!login.hasPrefix(WebClients.callback), "no redirect to the client before sign-in")
            // Sign in on that login page: it returns to the same request, which now redirects the error.
            let signedIn = try await signIn(browser, loginURL: login)
            #expect(signedIn.status == .seeOther)
            let back = try #require(signedIn.headers[.location])
            #expect(back.contains("oauth2/authorize?") || back.contains("oauth/authorize?"), "\(back)")
            let answer = try await browser.get(back.replacingOccurrences(of: "http://portcullis.test", with: ""))
            #expect(answer.status == .seeOther)
            let location = try #require(answer.headers[.location])
            #expect(location.hasPrefix(WebClients.callback + "?"), "\(location)")
            let parameters = locationParameters(location)
            #expect(parameters["error"] == "unsupported_response_type")
            #expect(parameters["state"] == "st-9")
            #expect(parameters["iss"] == "http://portcullis.test")
            // A bad client or redirect URI still gets the error page, signed in or not, and no redirect.
            for bad in [
                path + "?" + Body.formEncode([("response_type", "bogus"), ("client_id", "NOSUCHCLIENT")]),
                path + "?"
                    + Body.formEncode([("response_type", "bogus"), ("client_id", clients.web.client.clientID), ("redirect_uri", "https://evil.example/cb")]),
            ] {
                for asker in [Browser(client), browser] {
                    let page = try await asker.get(bad)
                    #expect(page.status == .badRequest && page.headers[.location] == nil, "\(bad)")
                }
            }
        }
    }

    @Test("Public clients must use PKCE; loopback redirect URIs may use any port (RFC 8252)")
    func publicClients() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let id = clients.spa.client.clientID
            let withoutPKCE = try await browser.get(authorizeURL(id, [("redirect_uri", "http://127.0.0.1:53123/cb")]))
            #expect(locationParameters(withoutPKCE.headers[.location] ?? "")["error"] == "invalid_request")
            #expect(withoutPKCE.headers[.location]?.hasPrefix("http://127.0.0.1:53123/cb?") == true)

            let verifier = Base64URL.encode(SecureRandom.bytes(32))
            let consent = try await browser.get(
                authorizeURL(
                    id,
                    [
                        ("redirect_uri", "http://127.0.0.1:53123/cb"), ("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256"),
                    ]))
            #expect(consent.status == .ok)
            let accept = try await browser.post(HTML.formAction(consent.text)!, HTML.hiddenFields(consent.text) + [("decision", "accept")])
            let code = try #require(locationParameters(accept.headers[.location] ?? "")["code"])
            // A public client sends only its client_id, and must send the verifier.
            let noVerifier = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("client_id", id), ("redirect_uri", "http://127.0.0.1:53123/cb")])
            #expect(try noVerifier.string("error") == "invalid_grant")
            let second = try await browser.get(
                authorizeURL(
                    id,
                    [
                        ("redirect_uri", "http://127.0.0.1:53123/cb"), ("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256"),
                    ]))
            let accepted = try await browser.post(HTML.formAction(second.text)!, HTML.hiddenFields(second.text) + [("decision", "accept")])
            let code2 = try #require(locationParameters(accepted.headers[.location] ?? "")["code"])
            let token = try await client.postForm(
                "/oauth/token",
                [
                    ("grant_type", "authorization_code"), ("code", code2), ("client_id", id), ("redirect_uri", "http://127.0.0.1:53123/cb"),
                    ("code_verifier", verifier),
                ])
            #expect(token.status == .ok, "\(token.text)")
        }
    }

    @Test("PKCE failures: a wrong verifier, a missing one, one for a code without a challenge")
    func pkceFailures() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let credentials = basic(clients.web.client.clientID, clients.web.secret!)
            let verifier = Base64URL.encode(SecureRandom.bytes(32))
            let pkce = [("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256")]
            for (sent, description) in [
                (Base64URL.encode(SecureRandom.bytes(32)), "The code_verifier does not match the code_challenge"),
                ("short", "The code_verifier does not match the code_challenge"),
                (nil as String?, "The code_verifier is required for this code"),
            ] {
                let code = try await AuthorizationFlowTests.code(server, client, clients.web, extra: pkce)
                var fields = [("grant_type", "authorization_code"), ("code", code)]
                if let sent { fields.append(("code_verifier", sent)) }
                let response = try await client.postForm("/oauth/token", fields, headers: credentials)
                #expect(try response.string("error") == "invalid_grant")
                #expect(try response.string("error_description") == description)
            }
            let plain = try await AuthorizationFlowTests.code(server, client, clients.web)
            let downgrade = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code"), ("code", plain), ("code_verifier", verifier)], headers: credentials)
            #expect(try downgrade.string("error_description") == "A code_verifier was sent for a code issued without a code_challenge")
            #expect(PKCE.verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", against: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), "RFC 7636 appendix B")
        }
    }

    @Test("Implicit: on, the token comes in the fragment without a refresh token; off, unauthorized_client")
    func implicit() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            _ = try await signIn(browser)
            let consent = try await browser.get(
                "/oauth/authorize?" + Body.formEncode([("response_type", "token"), ("client_id", clients.implicit.client.clientID), ("state", "s1")]))
            #expect(consent.status == .ok)
            let accept = try await browser.post(HTML.formAction(consent.text)!, HTML.hiddenFields(consent.text) + [("decision", "accept")])
            let location = try #require(accept.headers[.location])
            #expect(location.hasPrefix("https://spa.example.com/cb#access_token="))
            let fragment = locationParameters(location, fragment: true)
            #expect(fragment["token_type"] == "Bearer" && fragment["expires_in"] == "3600" && fragment["scope"] == "*" && fragment["state"] == "s1")
            #expect(fragment["refresh_token"] == nil)
            #expect(fragment["iss"] == "http://portcullis.test", "RFC 9207: every authorization response names its issuer")
            #expect(accept.headers[.cacheControl]?.contains("no-store") == true, "a redirect carrying a token is never cached")
            #expect(try await client.get("/api/1.0/users/me", token: fragment["access_token"]).status == .ok)
            // pm3 spells the type in lower case; errors also go in the fragment.
            let pm3 = try await browser.get(
                "/workflow/oauth2/authorize?"
                    + Body.formEncode([("response_type", "token"), ("client_id", clients.implicit.client.clientID), ("scope", "nope")]))
            #expect(locationParameters(pm3.headers[.location] ?? "", fragment: true)["error"] == "invalid_scope")
            let off = try await browser.get(
                "/oauth/authorize?" + Body.formEncode([("response_type", "token"), ("client_id", clients.web.client.clientID)]))
            #expect(locationParameters(off.headers[.location] ?? "", fragment: true)["error"] == "unauthorized_client")
        }
    }

    @Test("The metadata and the token endpoint agree on the code grant")
    func tokenEndpointRules() async throws {
        try await withServer { server, client in
            let missingCode = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code")], headers: basic(server.clientID, server.clientSecret))
            #expect(try missingCode.string("error") == "unauthorized_client", "the seed client lacks the switch")
            let clients = try await WebClients.register(server)
            let noCode = try await client.postForm(
                "/oauth/token", [("grant_type", "authorization_code")], headers: basic(clients.web.client.clientID, clients.web.secret!))
            #expect(try noCode.string("error") == "invalid_request")
        }
    }
}
