import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

@Suite("Signing in: the login page and sessions")
struct SignInTests {
    @Test(
        "The return target must be a path on this server; anything else is dropped, never followed",
        arguments: [
            "https://evil.example/steal", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "http://portcullis.test@evil.example/",
            "http://evil.example/oauth/authorize", "https://portcullis.test/x", "/\r\nSet-Cookie: x=y", "\u{1}/x",
        ])
    func openRedirects(_ target: String) async throws {
        try await withServer { _, client in
            let browser = Browser(client)
            let response = try await signIn(browser, loginURL: "/login?" + Body.formEncode([("redirect", target)]))
            #expect(response.status == .seeOther)
            let location = response.headers[.location] ?? ""
            #expect(location == "/", "followed to \(location)")
            // The same through ProcessMaker 3's u parameter.
            let pm3 = try await signIn(Browser(client), loginURL: "/sysworkflow/en/neoclassic/login/login?" + Body.formEncode([("u", target)]))
            #expect(pm3.headers[.location] == "/", "pm3 followed to \(pm3.headers[.location] ?? "")")
        }
    }

    @Test("Safe return targets are followed: a path, or this server's own absolute URL (ProcessMaker 3's u)")
    func safeTargets() async throws {
        #expect(ReturnTargetPolicy.safePath("/oauth/authorize?a=1", issuer: "http://portcullis.test") == "/oauth/authorize?a=1")
        #expect(
            ReturnTargetPolicy.safePath("http://portcullis.test/workflow/oauth2/authorize?x=1", issuer: "http://portcullis.test")
                == "/workflow/oauth2/authorize?x=1")
        #expect(ReturnTargetPolicy.safePath("http://portcullis.test:80/a", issuer: "http://portcullis.test") == "/a")
        #expect(ReturnTargetPolicy.safePath("http://portcullis.test:81/a", issuer: "http://portcullis.test") == nil)
    }

    @Test("Seed 000: pm3 authorize sends an anonymous browser to /sys{workspace}/en/neoclassic/login/login?u=…, then back")
    func pm3Login() async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            let start = try await browser.get(authorizeURL(clients.web.client.clientID, path: "/workflow/oauth2/authorize"))
            let location = try #require(start.headers[.location])
            #expect(location.hasPrefix("/sysworkflow/en/neoclassic/login/login?u=http%3A%2F%2Fportcullis.test%2Fworkflow%2Foauth2%2Fauthorize%3F"))
            let loggedIn = try await signIn(browser, loginURL: location)
            #expect(loggedIn.headers[.location]?.hasPrefix("/workflow/oauth2/authorize?") == true)
            let consent = try await browser.follow(loggedIn)
            #expect(consent.status == .ok)
            #expect(HTML.formAction(consent.text) == "/workflow/oauth2/authorize")
            let accept = try await browser.post("/workflow/oauth2/authorize", HTML.hiddenFields(consent.text) + [("decision", "accept")])
            #expect(accept.headers[.location]?.hasPrefix(WebClients.callback + "?code=") == true)
        }
    }

    @Test("The session cookie is HttpOnly and SameSite=Lax, Secure under an https issuer, and a new id at every sign-in")
    func cookies() async throws {
        try await withServer { server, client in
            let browser = Browser(client)
            let first = try await signIn(browser)
            let cookie = try #require(first.headers[values: .setCookie].first { $0.hasPrefix("portcullis_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            let planted = try #require(browser.cookies["portcullis_session"])
            // Session fixation: a browser that arrives with a session id (planted by someone else) gets a new id
            // when it signs in, and the planted one is removed.
            let victim = Browser(client)
            let page = try await victim.get("/login")
            victim.setCookie("portcullis_session", planted)
            _ = try await victim.post("/login", HTML.hiddenFields(page.text) + [("username", "admin"), ("password", TestServer.adminPassword)])
            let secondID = try #require(victim.cookies["portcullis_session"])
            #expect(secondID != planted)
            #expect(!(try await browser.get("/").text.contains("signed in as")), "the planted session is gone")
            let count = try await server.portcullis.store.countForTests("SELECT COUNT(*) AS n FROM sessions")
            #expect(count == 1)
            // The database holds only the hash of the id.
            #expect(try await server.portcullis.store.countForTests("SELECT COUNT(*) AS n FROM sessions WHERE key_hash LIKE '%\(secondID.prefix(10))%'") == 0)
        }
        try await withServer({ $0.issuer = "https://auth.example.com" }) { _, client in
            let response = try await signIn(Browser(client))
            #expect(response.headers[values: .setCookie].contains { $0.hasPrefix("__Host-portcullis_session=") && $0.contains("Secure") })
        }
    }

    @Test("Sessions end after 24 idle minutes, and survive a restart")
    func idleExpiry() async throws {
        try await withServer { server, client in
            let browser = Browser(client)
            _ = try await signIn(browser)
            #expect(try await browser.get("/").text.contains("You are signed in as <strong>Alice</strong>"))
            server.time.advance(23 * 60)
            #expect(try await browser.get("/").text.contains("signed in as"), "activity slides the expiry")
            server.time.advance(23 * 60)
            #expect(try await browser.get("/").text.contains("signed in as"))
            server.time.advance(25 * 60)
            #expect(!(try await browser.get("/").text.contains("signed in as")), "idle for 25 minutes")
        }
    }

    @Test("Sign-out needs the CSRF token, ends the session, and stops the pages' API calls")
    func signOut() async throws {
        try await withServer { server, client in
            let browser = Browser(client)
            _ = try await signIn(browser)
            let home = try await browser.get("/")
            let csrf = try #require(HTML.hiddenFields(String(home.text[home.text.range(of: "/logout")!.lowerBound...])).first { $0.0 == "csrf" }?.1)
            // The page's own API call: cookie plus X-CSRF-TOKEN.
            let api = try await browser.request(.get, "/api/1.0/users/me", headers: [.csrfToken: csrf])
            #expect(api.status == .ok, "\(api.text)")
            #expect(try api.string("username") == "Alice")
            let noHeader = try await browser.request(.get, "/api/1.0/users/me")
            #expect(noHeader.status == .forbidden, "the cookie alone never authenticates")
            let wrongHeader = try await browser.request(.get, "/api/1.0/users/me", headers: [.csrfToken: "pcl_xs_nope"])
            #expect(wrongHeader.status == .forbidden)
            #expect(try await browser.post("/logout", [("csrf", "wrong")]).status == .forbidden)
            let out = try await browser.post("/logout", [("csrf", csrf)])
            #expect(out.status == .seeOther && out.headers[.location] == "/login")
            #expect(browser.cookies["portcullis_session"] == nil)
            let after = try await browser.request(.get, "/api/1.0/users/me", headers: [.csrfToken: csrf])
            #expect(after.status == .unauthorized)
        }
    }

    @Test("A password change ends the user's sessions")
    func passwordChangeEndsSessions() async throws {
        try await withServer { server, client in
            let browser = Browser(client)
            _ = try await signIn(browser)
            try await server.portcullis.userAdministration.revokeEverything(of: server.alice.id)
            #expect(!(try await browser.get("/").text.contains("signed in as")))
        }
    }

    /// The in-process router has no client address: the (username, address) pair is then the username's own, and its
    /// hard limit refuses here. From other addresses it would only slow down (ThrottleLockoutTests).
    @Test("Failed sign-ins: one generic message, throttled per (username, address), every attempt recorded")
    func throttling() async throws {
        try await withServer({ $0.throttle.perUsername = 3 }) { server, client in
            for _ in 0..<3 {
                let failed = try await signIn(Browser(client), password: "wrong-password")
                #expect(failed.status == .seeOther)
                let page = try await Browser(client).get(failed.headers[.location]!)
                #expect(page.text.contains("These credentials do not match our records."))
            }
            let unknown = try await signIn(Browser(client), username: "nobody", password: "whatever")
            #expect(unknown.headers[.location]?.contains("failed=1") == true, "the same answer for an unknown user")
            let blocked = try await signIn(Browser(client))
            #expect(blocked.headers[.location]?.contains("throttled=") == true)
            let page = try await Browser(client).get(blocked.headers[.location]!)
            #expect(page.text.contains("Too many sign-in attempts"))
            let events = try await server.portcullis.store.audit.recent(workspaceID: server.workspace.id, limit: 10).map(\.kind)
            #expect(events.filter { $0 == "login.failure" }.count == 4)
            #expect(events.first == "login.throttled")
        }
    }

    @Test("A login form without its CSRF pair is refused")
    func loginCSRF() async throws {
        try await withServer { _, client in
            let browser = Browser(client)
            _ = try await browser.get("/login")
            let forged = try await browser.post("/login", [("csrf", "00"), ("username", "alice"), ("password", TestServer.alicePassword)])
            #expect(forged.headers[.location]?.contains("expired=1") == true)
            #expect(browser.cookies["portcullis_session"] == nil)
        }
    }

    @Test(
        "Every page sends the security headers; the authorize endpoint sends no CORS headers",
        arguments: ["/", "/login", "/sysworkflow/en/neoclassic/login/login"])
    func pageHeaders(_ path: String) async throws {
        try await withServer { server, client in
            let clients = try await WebClients.register(server)
            let browser = Browser(client)
            let page = try await browser.get(path)
            #expect(page.headers[.xFrameOptions] == "DENY")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(page.headers[.referrerPolicy] == "no-referrer")
            _ = try await signIn(browser)
            let consent = try await browser.request(.get, authorizeURL(clients.web.client.clientID), headers: [.origin: "https://evil.example"])
            #expect(consent.headers[.xFrameOptions] == "DENY")
            #expect(consent.headers[.accessControlAllowOrigin] == nil)
            let error = try await browser.get(authorizeURL("NOSUCH"))
            #expect(error.headers[.xFrameOptions] == "DENY" && error.headers[.referrerPolicy] == "no-referrer")
        }
    }
}
