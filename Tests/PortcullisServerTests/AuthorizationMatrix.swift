import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

// The harness of the authorization matrix (AuthorizationMatrixTests.swift holds the table): who calls, with which
// credential, against which freshly made target, and how an answer is compared with what the table expects.

/// Every kind of caller the matrix drives. Each gets its own server and its own credential, made by the test.
enum CallerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case anonymous
    case plain = "plain user"
    case viewClients = "view-auth_clients"
    case createClients = "create-auth_clients"
    case editClients = "edit-auth_clients"
    case deleteClients = "delete-auth_clients"
    case viewUsers = "view-users"
    case createUsers = "create-users"
    case editUsers = "edit-users"
    case deleteUsers = "delete-users"
    case owner = "PM_REST_API_APPLICATIONS owner"
    case superAdmin = "super admin"
    /// A super admin whose API token has only `view_processes`: the scope rule (reads only), with every permission.
    case superAdminReadOnly = "super admin, scope view_processes"
    /// A third-party application's token for the plain user, through consent, scope `edit_processes`.
    case delegated = "third-party delegated token"
    /// A personal access token (scope `*`) of a user with edit-users.
    case personal = "personal access token"
    case machine = "client-credentials token"
    /// A resource server: a confidential client an administrator allowed to introspect (`may_introspect`).
    case introspector = "client with may_introspect"
    /// A super admin of workspace B with B's credentials (token and session) on workspace A's routes.
    case foreign = "another workspace's super admin"
    /// The pages' own way of calling the API: session cookie plus X-CSRF-TOKEN.
    case plainSession = "plain user, session + CSRF"
    case editUsersSession = "edit-users, session + CSRF"
    /// README: the session cookie alone never authenticates an API call.
    case cookieOnly = "plain user, session cookie without X-CSRF-TOKEN"
    /// Workspace B's session with its CSRF token on workspace A's API and pages.
    case foreignSession = "another workspace's super admin, session + CSRF"

    var testDescription: String { rawValue }

    /// The permissions of the caller's user (in workspace A).
    var permissions: Set<Permission> {
        switch self {
        case .viewClients: [.viewAuthClients]
        case .createClients: [.createAuthClients]
        case .editClients: [.editAuthClients]
        case .deleteClients: [.deleteAuthClients]
        case .viewUsers: [.viewUsers]
        case .createUsers: [.createUsers]
        case .editUsers, .personal, .editUsersSession: [.editUsers]
        case .deleteUsers: [.deleteUsers]
        case .owner: [.restAPIApplications]
        default: []
        }
    }

    var isSuperAdmin: Bool { self == .superAdmin || self == .superAdminReadOnly }

    /// DESIGN.md: a super admin has every permission.
    func has(_ permission: Permission) -> Bool { isSuperAdmin || permissions.contains(permission) }

    /// The caller acts for a user of workspace A (so "itself" is a target).
    var hasUser: Bool { ![.anonymous, .machine, .introspector, .foreign, .foreignSession].contains(self) }

    /// A client of workspace A with its own credentials (and a client-credentials token on the API).
    var isClient: Bool { self == .machine || self == .introspector }

    /// Workspace B's super admin.
    var isForeign: Bool { self == .foreign || self == .foreignSession }

    /// The caller's browser holds a session of workspace A.
    var signedInHere: Bool { ![.anonymous, .delegated, .personal, .machine, .introspector, .foreign, .foreignSession].contains(self) }

    /// The caller's browser holds a session at all (workspace B's for the foreign caller).
    var hasSession: Bool { signedInHere || isForeign }

    /// The API sees a valid credential of workspace A.
    var authenticatesHere: Bool { self != .anonymous && !isForeign }

    /// A first-party caller in the sense of personal tokens: a signed-in session, or a personal token.
    var firstParty: Bool { self == .plainSession || self == .editUsersSession || self == .personal }

    /// The API credential is a session cookie plus X-CSRF-TOKEN.
    var usesSessionOnAPI: Bool { [.plainSession, .editUsersSession, .cookieOnly, .foreignSession].contains(self) }

    /// The scope of the caller's API token allows writes.
    var mayWrite: Bool { self != .superAdminReadOnly }
}

/// What a cell acts on; made fresh for each cell.
enum Target: String, Sendable {
    case none = "-"
    case itself = "itself"
    case otherUser = "an ordinary other user"
    case superAdminUser = "a super admin"
    case ownedClient = "a client it owns"
    case otherClient = "a client it does not own"
    /// A client a resource server lists among its machine clients (issue 15): only a super admin changes it.
    case machineClient = "a machine client of a resource server"
    /// An authorization request that is valid.
    case validRequest = "a valid request"
    /// A valid client and redirect URI, but response_type=bogus.
    case bogusRequest = "response_type=bogus"
    /// A token issued to the caller's own client (client callers only).
    case ownClientToken = "a token issued to its own client"
    /// A token issued to another client of the workspace.
    case otherClientToken = "a token issued to another client"
    /// A registered resource server (issue 15).
    case resourceServer = "a resource server"

    var isUser: Bool { self == .itself || self == .otherUser || self == .superAdminUser }
}

/// How a request carries the caller's credential.
enum Channel: Sendable {
    /// A protected API route: bearer token, or session + X-CSRF-TOKEN for the session kinds.
    case api
    /// A page: the caller's browser (signed in, or not); token kinds send their bearer token too (it must not count).
    case page
    /// An OAuth endpoint that authenticates clients: client credentials for client callers, else what the caller has.
    case oauth
}

/// The expected (or seen) answer of a cell.
struct Outcome: Sendable, Equatable, CustomStringConvertible {
    var status: Int
    /// The Location must start with this (or equal it, when `exact`).
    var location: String? = nil
    var exact = false
    /// Introspection: the `active` member of the JSON body.
    var active: Bool? = nil
    /// Revocation by a client the token was not issued to: the token must still work afterwards.
    var targetTokenAlive: Bool? = nil

    var description: String {
        var text = "\(status)"
        if let location { text += exact ? " Location=\(location)" : " Location^=\(location)" }
        if let active { text += " active=\(active)" }
        if let targetTokenAlive { text += targetTokenAlive ? " (token still works)" : " (token revoked)" }
        return text
    }

    static func status(_ code: Int) -> Outcome { Outcome(status: code) }
    static func seeOther(_ prefix: String) -> Outcome { Outcome(status: 303, location: prefix) }
    static func seeOtherExactly(_ location: String) -> Outcome { Outcome(status: 303, location: location, exact: true) }
    static let ok = Outcome(status: 200)
    static let created = Outcome(status: 201)
    static let noContent = Outcome(status: 204)
    static let unauthorized = Outcome(status: 401)
    static let forbidden = Outcome(status: 403)
    static let notFound = Outcome(status: 404)
    static let unprocessable = Outcome(status: 422)
}

/// What a request builder may use: the cell's fresh target and the server's fixtures.
struct CellContext: Sendable {
    let target: Target
    let n: Int
    let csrf: String
    /// The target user (id and usr_uid), for user targets.
    let userID: Int
    let uid: String
    /// A live personal token of the target user.
    let tokenID: Int
    /// The target client's public id.
    let clientID: String
    /// The token to introspect or revoke.
    let token: String
    /// The target resource server's id and URI (0 and "" without one).
    let resourceID: Int
    let resourceURI: String
    let webClientID: String
}

/// A request of a cell, before the caller's credential is added.
struct MatrixRequest: Sendable {
    var method: HTTPRequest.Method
    var uri: String
    var contentType: String? = nil
    var body: String? = nil
    /// Headers of the request itself, besides the caller's credential.
    var headers: HTTPFields = [:]

    static func get(_ uri: String) -> MatrixRequest { MatrixRequest(method: .get, uri: uri) }
    static func json(_ method: HTTPRequest.Method, _ uri: String, _ object: [String: Any]) -> MatrixRequest {
        let data = try! JSONSerialization.data(withJSONObject: object)
        return MatrixRequest(method: method, uri: uri, contentType: "application/json", body: String(decoding: data, as: UTF8.self))
    }
    static func form(_ uri: String, _ fields: [(String, String)]) -> MatrixRequest {
        MatrixRequest(method: .post, uri: uri, contentType: "application/x-www-form-urlencoded", body: Body.formEncode(fields))
    }
}

/// One row of the table: a route, how to call it, the targets it is tried against, and what each caller should get.
struct MatrixRow: Sendable {
    let method: HTTPRequest.Method
    /// The route exactly as `buildRouter(_:).routes` lists it; nil for cells that probe paths or methods no route has.
    let route: String?
    let channel: Channel
    let targets: [Target]
    /// The cell leaves something in the session (a secret to show once): it runs in a session of its own.
    let freshSession: Bool
    let request: @Sendable (CellContext) -> MatrixRequest
    let expect: @Sendable (CallerKind, Target) -> Outcome

    init(
        _ method: HTTPRequest.Method, _ route: String?, _ channel: Channel, targets: [Target] = [.none], freshSession: Bool = false,
        _ request: @escaping @Sendable (CellContext) -> MatrixRequest, expect: @escaping @Sendable (CallerKind, Target) -> Outcome
    ) {
        self.freshSession = freshSession
        self.method = method
        self.route = route
        self.channel = channel
        self.targets = targets
        self.request = request
        self.expect = expect
    }

    /// The same cells with HEAD, which the API accepts wherever it accepts GET.
    var head: MatrixRow {
        let request = self.request
        return MatrixRow(
            .head, route, channel, targets: targets, freshSession: freshSession,
            { context in
                var built = request(context)
                built.method = .head
                return built
            }, expect: expect)
    }

    var name: String { "\(method.rawValue) \(route ?? "(no route)")" }
}

/// A caller with its credentials, on its own server.
struct MatrixCaller: Sendable {
    let kind: CallerKind
    /// The caller's user in workspace A (the plain user for the delegated token, the token's owner for the personal one).
    let user: UserAccount?
    /// Its bearer token for the API (workspace B's for the foreign caller).
    let bearer: String?
    /// Its browser: signed in for user and session kinds (in workspace B for the foreign caller), else empty.
    let browser: Browser
    /// The session's CSRF token, or "" without a session.
    let csrf: String
    /// Client authentication for the OAuth endpoints (client callers only).
    let clientAuth: HTTPFields?
}

/// One server for one caller kind, with the fixtures every row needs.
struct MatrixWorld: Sendable {
    static let callback = "https://app.example.com/callback"
    static let password = "matrix-password-1"

    let server: TestServer
    let client: any TestClientProtocol
    let caller: MatrixCaller
    /// A confidential authorization-code client that asks for consent.
    let web: RegisteredClient
    private let counter: Counter

    final class Counter: Sendable {
        let value = Mutex<Int>(0)
    }

    init(server: TestServer, client: any TestClientProtocol, caller: MatrixCaller, web: RegisteredClient, counter: Counter = Counter()) {
        self.server = server
        self.client = client
        self.caller = caller
        self.web = web
        self.counter = counter
    }

    func next() -> Int {
        counter.value.withLock {
            $0 += 1
            return $0
        }
    }

    static func make(_ kind: CallerKind, _ server: TestServer, _ client: any TestClientProtocol) async throws -> MatrixWorld {
        let p = server.portcullis
        let ws = server.workspace
        let web = try await p.registerClient(
            ClientRegistration(name: "Matrix Web", website: "https://app.example.com", redirectURIs: [callback], grants: [.authorizationCode]), in: ws)
        var user: UserAccount?
        var bearer: String?
        let browser = Browser(client)
        var clientAuth: HTTPFields?
        switch kind {
        case .anonymous: break
        case .machine, .introspector:
            let machine =
                kind == .machine
                ? server.machineClient
                : try await p.registerClient(
                    ClientRegistration(name: "Resource Server", grants: [.clientCredentials], mayIntrospect: true), in: ws)
            clientAuth = basic(machine.client.clientID, machine.secret!)
            let issued = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: clientAuth!)
            bearer = try issued.string("access_token")
        case .foreign, .foreignSession:
            let sales = try await p.createWorkspace(named: "sales")
            _ = try await p.createUser(username: "boss", password: password, isSuperAdmin: true, in: sales)
            let app = try await p.registerClient(ClientRegistration(name: "Sales App", grants: [.password, .clientCredentials]), in: sales)
            let appAuth = basic(app.client.clientID, app.secret!)
            let issued = try await client.postForm(
                "/sales/oauth2/token", [("grant_type", "password"), ("username", "boss"), ("password", password), ("scope", "*")], headers: appAuth)
            bearer = try issued.string("access_token")
            // The foreign session caller presents only its session; the other one its token and its client.
            if kind == .foreign { clientAuth = appAuth }
        case .delegated:
            let plain = try await p.createUser(username: "caller", password: password, in: ws)
            user = plain
            bearer = try await Self.delegatedToken(server, client, user: "caller")
        case .personal:
            let owner = try await p.createUser(username: "caller", password: password, permissions: kind.permissions, in: ws)
            user = owner
            bearer = try await p.personalTokens.issue(for: owner, name: "matrix", scope: ScopeSet.everything, lifetimeSeconds: 90 * 86400, in: ws).accessToken
        default:
            let made = try await p.createUser(username: "caller", password: password, isSuperAdmin: kind.isSuperAdmin, permissions: kind.permissions, in: ws)
            user = made
            if !kind.usesSessionOnAPI {
                bearer = try await server.accessToken(client, username: "caller", password: password, scope: kind.mayWrite ? "*" : "view_processes")
            }
        }
        let csrf = try await Self.signInSession(kind, browser)
        let caller = MatrixCaller(kind: kind, user: user, bearer: bearer, browser: browser, csrf: csrf, clientAuth: clientAuth)
        return MatrixWorld(server: server, client: client, caller: caller, web: web)
    }

    /// Signs the caller's user in (workspace B's for the foreign caller) if its kind has a session; the session's CSRF token.
    static func signInSession(_ kind: CallerKind, _ browser: Browser) async throws -> String {
        guard kind.hasSession else { return "" }
        let foreign = kind.isForeign
        let signedIn = try await signIn(
            browser, username: foreign ? "boss" : "caller", password: password,
            loginURL: foreign ? "/syssales/en/neoclassic/login/login" : "/login")
        guard signedIn.status == .seeOther else { throw TestFailure("sign-in failed: \(signedIn.status)") }
        let page = try await browser.get(foreign ? "/syssales/en/neoclassic/oauth2/applications" : "/profile/tokens")
        return try metaCSRF(page.text)
    }

    /// The same caller in a browser session of its own, for a cell that leaves something in its session.
    func freshSession() async throws -> MatrixWorld {
        guard caller.kind.hasSession else { return self }
        let browser = Browser(client)
        let csrf = try await Self.signInSession(caller.kind, browser)
        let fresh = MatrixCaller(kind: caller.kind, user: caller.user, bearer: caller.bearer, browser: browser, csrf: csrf, clientAuth: caller.clientAuth)
        return MatrixWorld(server: server, client: client, caller: fresh, web: web, counter: counter)
    }

    static func metaCSRF(_ html: String) throws -> String {
        guard let range = html.range(of: "<meta name=\"csrf-token\" content=\"") else { throw TestFailure("no csrf-token meta on the page") }
        let rest = html[range.upperBound...]
        return HTML.unescape(String(rest[..<rest.firstIndex(of: "\"")!]))
    }

    /// The authorization-code flow through consent for a client the super admin registers through the API.
    static func delegatedToken(_ server: TestServer, _ client: any TestClientProtocol, user: String) async throws -> String {
        let admin = try await server.accessToken(client, username: "admin", password: TestServer.adminPassword)
        let registered = try await client.postJSON(
            "/oauth/clients", ["name": "Third Party", "redirect": "https://third.example/cb", "types": ["authorization_code_grant"]], headers: bearer(admin))
        guard registered.status == .created, let id = try registered.string("id"), let secret = try registered.string("secret") else {
            throw TestFailure("registering the third-party client: \(registered.status) \(registered.text)")
        }
        let browser = Browser(client)
        _ = try await signIn(browser, username: user, password: password)
        let consent = try await browser.get(
            authorizeURL(id, [("redirect_uri", "https://third.example/cb"), ("scope", "edit_processes")]))
        guard consent.status == .ok else { throw TestFailure("consent page: \(consent.status)") }
        let accept = try await browser.post(HTML.formAction(consent.text)!, HTML.hiddenFields(consent.text) + [("decision", "accept")])
        guard let code = locationParameters(accept.headers[.location] ?? "")["code"] else { throw TestFailure("no code") }
        let token = try await client.postForm(
            "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://third.example/cb")],
            headers: basic(id, secret))
        guard let access = try token.string("access_token") else { throw TestFailure("code exchange: \(token.text)") }
        return access
    }

    /// Makes the cell's target rows and returns the context its request is built from; nil when the target does not
    /// apply to this caller (itself for a caller with no user here; its own client's token for a caller that is no client).
    func context(for target: Target) async throws -> CellContext? {
        let p = server.portcullis
        let ws = server.workspace
        let n = next()
        var targetUser: UserAccount?
        switch target {
        case .itself:
            guard let own = caller.user else { return nil }
            targetUser = own
        case .otherUser: targetUser = try await p.createUser(username: "t\(n)", password: Self.password, in: ws)
        case .superAdminUser: targetUser = try await p.createUser(username: "sa\(n)", password: Self.password, isSuperAdmin: true, in: ws)
        default: break
        }
        var tokenID = 0
        if let targetUser {
            tokenID = try await p.personalTokens.issue(
                for: targetUser, name: "target \(n)", scope: ScopeSet.everything, lifetimeSeconds: 30 * 86400, in: ws
            ).record.id
        }
        var clientID = ""
        switch target {
        case .ownedClient, .otherClient:
            if target == .ownedClient && caller.user == nil { return nil }
            let owner = target == .ownedClient ? caller.user?.id : nil
            clientID = try await p.registerClient(ClientRegistration(name: "c\(n)", grants: [.password]), ownerUserID: owner, in: ws).client.clientID
        case .machineClient:
            clientID = try await p.registerClient(
                ClientRegistration(name: "m\(n)", grants: [.clientCredentials], isConfidential: true), ownerUserID: nil, in: ws
            ).client.clientID
            _ = try await p.resourceAdministration.create(
                ResourceServerRegistration(
                    uri: "https://machine\(n).example.com/", scopes: [ResourceScope(name: "read:orders", description: "")], machineClients: [clientID]),
                in: ws)
        default: break
        }
        var resource: ResourceServer?
        if target == .resourceServer {
            resource = try await p.resourceAdministration.create(
                ResourceServerRegistration(uri: "https://api\(n).example.com/", scopes: [ResourceScope(name: "read:orders", description: "")]),
                in: ws
            ).0
        }
        var token = ""
        switch target {
        case .ownClientToken:
            guard caller.kind.isClient else { return nil }
            token = try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: caller.clientAuth!).string("access_token") ?? ""
        case .otherClientToken:
            token = try await server.accessToken(client)
        default: break
        }
        return CellContext(
            target: target, n: n, csrf: caller.csrf, userID: targetUser?.id ?? 0, uid: targetUser?.uid ?? "", tokenID: tokenID, clientID: clientID,
            token: token, resourceID: resource?.id ?? 0, resourceURI: resource?.uri ?? "",
            webClientID: web.client.clientID)
    }

    /// Sends a cell's request with the caller's credential on the row's channel.
    func send(_ request: MatrixRequest, _ channel: Channel) async throws -> TestResponse {
        var headers = request.headers
        if let type = request.contentType { headers[.contentType] = type }
        var useBrowser = false
        switch channel {
        case .api:
            if caller.kind.usesSessionOnAPI {
                useBrowser = true
                if caller.kind != .cookieOnly { headers[.csrfToken] = caller.csrf }
            } else if let bearer = caller.bearer {
                headers[.authorization] = "Bearer \(bearer)"
            }
        case .page:
            useBrowser = true
            if !caller.kind.hasSession, let bearer = caller.bearer { headers[.authorization] = "Bearer \(bearer)" }
        case .oauth:
            if let auth = caller.clientAuth {
                headers[.authorization] = auth[.authorization]
            } else if caller.kind.usesSessionOnAPI {
                useBrowser = true
                headers[.csrfToken] = caller.csrf
            } else if let bearer = caller.bearer {
                headers[.authorization] = "Bearer \(bearer)"
            }
        }
        if useBrowser {
            let cookies = caller.browser.cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
            if !cookies.isEmpty { headers[.cookie] = cookies }
        }
        var body = request.body
        // A consent decision is single use (ConsentDecisionRepository): the form carries its screen's nonce, so the
        // screen is fetched first, as a browser would, with the same request and credentials.
        if request.method == .post, let fields = body, fields.contains("decision=") {
            let query = fields.split(separator: "&").filter { !$0.hasPrefix("csrf=") && !$0.hasPrefix("decision=") }.joined(separator: "&")
            var pageHeaders = headers
            pageHeaders[.contentType] = nil
            let screen = try await client.execute(uri: request.uri + "?" + query, method: .get, headers: pageHeaders)
            if let nonce = HTML.hiddenFields(String(buffer: screen.body)).first(where: { $0.0 == "consent" })?.1 {
                body = fields + "&" + Body.formEncode([("consent", nonce)])
            }
        }
        return try await client.execute(uri: request.uri, method: request.method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// What the server answered, in the terms of the expectation (only the parts the expectation names).
    func observe(_ response: TestResponse, like expected: Outcome, token: String) async throws -> Outcome {
        var seen = Outcome(status: Int(response.status.code))
        if let location = expected.location {
            let got = response.headers[.location] ?? "(none)"
            let matches = expected.exact ? got == location : got.hasPrefix(location)
            seen.location = matches ? location : got
            seen.exact = expected.exact || !matches
        }
        if expected.active != nil { seen.active = (try? response.json())?["active"] as? Bool }
        if expected.targetTokenAlive != nil {
            seen.targetTokenAlive = try await client.get("/api/1.0/users/me", token: token).status != .unauthorized
        }
        return seen
    }

    /// The page security headers an HTML response lacks, or nil when it has all three.
    static func missingPageHeaders(_ response: TestResponse) -> String? {
        var missing: [String] = []
        if response.headers[HTTPField.Name("X-Frame-Options")!] != "DENY" { missing.append("X-Frame-Options: DENY") }
        if response.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("frame-ancestors 'none'") != true {
            missing.append("CSP frame-ancestors 'none'")
        }
        if response.headers[HTTPField.Name("Referrer-Policy")!] != "no-referrer" { missing.append("Referrer-Policy: no-referrer") }
        return missing.isEmpty ? nil : missing.joined(separator: ", ")
    }

    /// What an error answer says: a page's heading and message, else the start of the body.
    static func gist(_ body: String) -> String {
        guard let start = body.range(of: "<h1>") else { return String(body.prefix(160)) }
        let text = body[start.upperBound...].prefix(400).replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(160).description
    }

    /// Runs every cell of `rows` for this world's caller; returns one line per cell that differs from the table.
    func run(_ rows: [MatrixRow]) async throws -> (cells: Int, mismatches: [String]) {
        var mismatches: [String] = []
        var cells = 0
        for row in rows {
            for target in row.targets {
                let world = row.freshSession ? try await freshSession() : self
                guard let context = try await world.context(for: target) else { continue }
                cells += 1
                let expected = row.expect(caller.kind, target)
                let request = row.request(context)
                let response = try await world.send(request, row.channel)
                let seen = try await world.observe(response, like: expected, token: context.token)
                if seen != expected {
                    let detail = response.status.code >= 400 ? " " + Self.gist(response.text) : ""
                    mismatches.append(
                        "\(row.method.rawValue) \(request.uri.split(separator: "?").first ?? "") [\(row.route ?? "no route")]"
                            + (target == .none ? "" : " on \(target.rawValue)") + ": expected \(expected), got \(seen)\(detail)")
                }
                // DESIGN.md: every HTML page, whoever asks and whatever it answers, carries the anti-framing and
                // referrer headers.
                if response.headers[.contentType]?.hasPrefix("text/html") == true, let missing = Self.missingPageHeaders(response) {
                    mismatches.append("\(row.method.rawValue) \(request.uri.split(separator: "?").first ?? ""): an HTML page without \(missing)")
                }
            }
        }
        return (cells, mismatches)
    }
}
