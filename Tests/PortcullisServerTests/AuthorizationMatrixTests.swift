import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PortcullisCore
@testable import PortcullisServer
@testable import PortcullisStore

/// Issue 12, "the class, not only the instances": every route × every kind of caller × the intended outcome
/// (README.md's tables and DESIGN.md's permissions), driven over HTTP. The harness is in AuthorizationMatrix.swift.
@Suite("Authorization matrix")
struct AuthorizationMatrixTests {
    typealias K = CallerKind

    // MARK: The rules, each once

    /// A protected API route: no credential of this workspace is 401; a client-credentials token on a user-bound route
    /// 403, and so is a session cookie without its X-CSRF-TOKEN; a write with a read-only scope 403 (README: `view_processes` reads, GET and HEAD); then the permission rule.
    static func api(_ kind: K, write: Bool, _ allowed: Bool, _ success: Outcome) -> Outcome {
        if !kind.authenticatesHere { return .unauthorized }
        if kind.isClient || kind == .cookieOnly { return .forbidden }
        if write && !kind.mayWrite { return .forbidden }
        return allowed ? success : .forbidden
    }

    /// Only a super admin touches a super admin; others need `permission`; one's own account needs `own` (nil: the
    /// permission is needed for oneself too).
    static func onUser(_ kind: K, _ target: Target, _ permission: Permission, own: Bool) -> Bool {
        switch target {
        case .itself: own || kind.has(permission)
        case .superAdminUser: kind.isSuperAdmin
        default: kind.has(permission)
        }
    }

    /// README "Auth Clients": the permission, or PM_REST_API_APPLICATIONS on a client it owns; a super admin everything.
    static func onClient(_ kind: K, _ target: Target, _ permission: Permission) -> Bool {
        // A super admin designated the machine client; no client permission changes it (second attacker's pass).
        if target == .machineClient && permission != .viewAuthClients { return kind.isSuperAdmin }
        return kind.has(permission) || (kind == .owner && target == .ownedClient)
    }

    /// Personal tokens: only the owner mints, and only as a first-party caller (a session, or a personal token).
    static func mayMint(_ kind: K, _ target: Target) -> Bool { target == .itself && kind.firstParty }

    /// Listing, reading and revoking another's tokens: only where one may edit that user.
    static func mayManageTokens(_ kind: K, _ target: Target) -> Bool { onUser(kind, target, .editUsers, own: true) }

    /// A page: not signed in here (a bearer token or another workspace's session does not count) goes to the login
    /// page; signed in but not allowed is 403.
    /// `back` is where the login page returns to (nil: not checked, for paths with ids).
    static func page(_ kind: K, pm3: Bool, back: String?, _ allowed: Bool, _ success: Outcome) -> Outcome {
        if !kind.signedInHere {
            let encoded = back.map { Body.formEncode([("", (pm3 ? "http://portcullis.test" : "") + $0)]).dropFirst() } ?? ""
            return .seeOther((pm3 ? "/sysworkflow/en/neoclassic/login/login?u=" : "/login?redirect=") + encoded)
        }
        return allowed ? success : .forbidden
    }

    static let userTargets: [Target] = [.itself, .otherUser, .superAdminUser]
    static let clientTargets: [Target] = [.ownedClient, .otherClient, .machineClient]

    // MARK: The table

    static var rows: [MatrixRow] {
        publicRows + signInRows + authorizeRows + clientPageRows + tokenPageRows + resourcePageRows + oauthRows + apiRows + noRouteRows
    }

    /// Issue 15's page: a super admin only (Requirement.manageResources), like the resources API.
    static let resourcePageRows: [MatrixRow] = [
        MatrixRow(
            .get, "/admin/resources", .page, { _ in .get("/admin/resources") },
            expect: { k, _ in page(k, pm3: false, back: "/admin/resources", k.isSuperAdmin, .ok) }),
        MatrixRow(
            .post, "/admin/resources", .page,
            { c in .form("/admin/resources", [("csrf", c.csrf), ("uri", "https://page\(c.n).example.com/"), ("scopes", "page:read")]) },
            expect: { k, _ in page(k, pm3: false, back: "/admin/resources", k.isSuperAdmin, .ok) }),
        MatrixRow(
            .post, "/admin/resources/{id}/delete", .page, targets: [.resourceServer],
            { c in .form("/admin/resources/\(c.resourceID)/delete", [("csrf", c.csrf)]) },
            expect: { k, _ in page(k, pm3: false, back: "/admin/resources", k.isSuperAdmin, .seeOtherExactly("/admin/resources")) }),
    ]

    static let publicRows: [MatrixRow] = [
        "/.well-known/oauth-authorization-server", "/oauth/jwks", "/.well-known/jwks.json", "/health", "/assets/portcullis.css",
        "/assets/portcullis.js", "/",
    ].map { path in MatrixRow(.get, path, .page, { _ in .get(path) }, expect: { _, _ in .ok }) }

    static let signInRows: [MatrixRow] = [
        // Already signed in here: straight on; anyone else sees the form.
        MatrixRow(.get, "/login", .page, { _ in .get("/login") }, expect: { k, _ in k.signedInHere ? .seeOtherExactly("/") : .ok }),
        // Without the login form's CSRF pair, nobody signs in.
        MatrixRow(
            .post, "/login", .page, { c in .form("/login", [("username", "caller"), ("password", MatrixWorld.password)]) },
            expect: { _, _ in .seeOther("/login?expired=1") }),
        MatrixRow(
            .get, "/sys{workspace}/{lang}/{skin}/login/login", .page, { _ in .get("/sysworkflow/en/neoclassic/login/login") },
            expect: { k, _ in k.signedInHere ? .seeOtherExactly("/") : .ok }),
        MatrixRow(
            .post, "/sys{workspace}/{lang}/{skin}/login/login", .page,
            { _ in .form("/sysworkflow/en/neoclassic/login/login", [("username", "caller"), ("password", MatrixWorld.password)]) },
            expect: { _, _ in .seeOther("/sysworkflow/en/neoclassic/login/login?expired=1") }),
        // Sign-out needs the session's CSRF token (sent without it here, so the caller stays signed in).
        MatrixRow(.post, "/logout", .page, { _ in .form("/logout", []) }, expect: { k, _ in k.hasSession ? .forbidden : .seeOtherExactly("/login") }),
    ]

    static func authorizeQuery(_ c: CellContext, _ target: Target) -> [(String, String)] {
        [
            ("response_type", target == .bogusRequest ? "bogus" : "code"), ("client_id", c.webClientID), ("redirect_uri", MatrixWorld.callback),
            ("scope", "view_processes"), ("state", "st"),
        ]
    }

    static let authorizeRows: [MatrixRow] =
        authorize("/oauth/authorize", "/oauth/authorize", pm3: false)
        + authorize("/{workspace}/oauth2/authorize", "/workflow/oauth2/authorize", pm3: true)

    static func authorize(_ route: String, _ path: String, pm3: Bool) -> [MatrixRow] {
        [
            // RFC 9700 §4.11.2: without a session even a bad request goes to the login page, never to the client.
            MatrixRow(
                .get, route, .page, targets: [.validRequest, .bogusRequest],
                { c in
                    .get(path + "?" + Body.formEncode(authorizeQuery(c, c.target)))
                },
                expect: { k, t in
                    if !k.signedInHere { return pm3 ? .seeOther("/sysworkflow/en/neoclassic/login/login?u=") : .seeOther("/login?redirect=") }
                    return t == .bogusRequest ? .seeOther(MatrixWorld.callback + "?error=unsupported_response_type") : .ok
                }),
            // Accept: only a session of this workspace with its CSRF token.
            MatrixRow(
                .post, route, .page, { c in .form(path, authorizeQuery(c, .validRequest) + [("csrf", c.csrf), ("decision", "accept")]) },
                expect: { k, _ in k.signedInHere ? .seeOther(MatrixWorld.callback + "?code=pcl_ac_") : .forbidden }),
        ]
    }

    static let clientPageRows: [MatrixRow] =
        clientPages("/admin/auth-clients", "/admin/auth-clients", pm3: false)
        + clientPages("/sys{workspace}/{lang}/{skin}/oauth2/applications", "/sysworkflow/en/neoclassic/oauth2/applications", pm3: true)

    static func clientPages(_ route: String, _ base: String, pm3: Bool) -> [MatrixRow] {
        let list: [MatrixRow] = [
            MatrixRow(
                .get, route, .page, { _ in .get(base) },
                expect: { k, _ in
                    page(k, pm3: pm3, back: base, k.has(.viewAuthClients) || k == .owner, .ok)
                }),
            MatrixRow(
                .get, route + "/new", .page, { _ in .get(base + "/new") },
                expect: { k, _ in
                    page(k, pm3: pm3, back: base + "/new", k.has(.createAuthClients) || k == .owner, .ok)
                }),
            MatrixRow(
                .post, route, .page, freshSession: true, { c in .form(base, [("csrf", c.csrf), ("name", "Made \(c.n)"), ("grant_password", "on")]) },
                expect: { k, _ in
                    page(k, pm3: pm3, back: base, k.has(.createAuthClients) || k == .owner, .seeOther(base + "/"))
                }),
        ]
        let byID: [MatrixRow] = [
            MatrixRow(
                .get, route + "/{id}/edit", .page, targets: clientTargets, { c in .get("\(base)/\(c.clientID)/edit") },
                expect: { k, t in
                    page(k, pm3: pm3, back: nil, onClient(k, t, .editAuthClients), .ok)
                }),
            MatrixRow(
                .post, route + "/{id}", .page, targets: clientTargets,
                { c in
                    .form("\(base)/\(c.clientID)", [("csrf", c.csrf), ("name", "Renamed \(c.n)"), ("grant_password", "on")])
                }, expect: { k, t in page(k, pm3: pm3, back: base, onClient(k, t, .editAuthClients), .seeOtherExactly(base)) }),
            // Shows only a secret waiting in the caller's own session; with none, back to the list.
            MatrixRow(
                .get, route + "/{id}/secret", .page, targets: clientTargets, { c in .get("\(base)/\(c.clientID)/secret") },
                expect: { k, _ in
                    page(k, pm3: pm3, back: nil, true, .seeOtherExactly(base))
                }),
            MatrixRow(
                .post, route + "/{id}/regenerate", .page, targets: clientTargets, freshSession: true,
                { c in .form("\(base)/\(c.clientID)/regenerate", [("csrf", c.csrf)]) },
                expect: { k, t in page(k, pm3: pm3, back: base, onClient(k, t, .editAuthClients), .seeOther(base + "/")) }),
            MatrixRow(
                .get, route + "/{id}/delete", .page, targets: clientTargets, { c in .get("\(base)/\(c.clientID)/delete") },
                expect: { k, t in
                    page(k, pm3: pm3, back: nil, onClient(k, t, .deleteAuthClients), .ok)
                }),
            MatrixRow(
                .post, route + "/{id}/delete", .page, targets: clientTargets, { c in .form("\(base)/\(c.clientID)/delete", [("csrf", c.csrf)]) },
                expect: { k, t in page(k, pm3: pm3, back: base, onClient(k, t, .deleteAuthClients), .seeOtherExactly(base)) }),
        ]
        return list + byID
    }

    /// The token pages show and revoke only the signed-in user's own tokens.
    static let tokenPageRows: [MatrixRow] = [
        MatrixRow(
            .get, "/profile/tokens", .page, { _ in .get("/profile/tokens") }, expect: { k, _ in page(k, pm3: false, back: "/profile/tokens", true, .ok) }),
        MatrixRow(
            .post, "/profile/tokens", .page, freshSession: true,
            { c in
                .form("/profile/tokens", [("csrf", c.csrf), ("name", "page \(c.n)"), ("scope_view_processes", "on"), ("lifetime", "30")])
            }, expect: { k, _ in page(k, pm3: false, back: "/profile/tokens", true, .seeOtherExactly("/profile/tokens/new")) }),
        MatrixRow(
            .get, "/profile/tokens/new", .page, { _ in .get("/profile/tokens/new") },
            expect: { k, _ in
                page(k, pm3: false, back: "/profile/tokens/new", true, .seeOtherExactly("/profile/tokens"))
            }),
        MatrixRow(
            .get, "/profile/tokens/{id}/revoke", .page, targets: userTargets, { c in .get("/profile/tokens/\(c.tokenID)/revoke") },
            expect: { k, t in
                page(k, pm3: false, back: nil, true, t == .itself ? .ok : .notFound)
            }),
        MatrixRow(
            .post, "/profile/tokens/{id}/revoke", .page, targets: userTargets, { c in .form("/profile/tokens/\(c.tokenID)/revoke", [("csrf", c.csrf)]) },
            expect: { k, t in page(k, pm3: false, back: "/profile/tokens", true, t == .itself ? .seeOtherExactly("/profile/tokens") : .notFound) }),
    ]

    /// The endpoints that authenticate clients: a user's token or session is no client; another workspace's client
    /// is unknown here.
    static let oauthRows: [MatrixRow] = oauth("/oauth", "/oauth") + oauth("/{workspace}/oauth2", "/workflow/oauth2")

    static func oauth(_ route: String, _ path: String) -> [MatrixRow] {
        [
            MatrixRow(
                .post, route + "/token", .oauth, { _ in .form(path + "/token", [("grant_type", "client_credentials")]) },
                expect: { k, _ in
                    k.isClient ? .ok : .unauthorized
                }),
            // Only the client a token was issued to, or one allowed to introspect, sees it active (RFC 7662 §4).
            MatrixRow(
                .post, route + "/introspect", .oauth, targets: [.ownClientToken, .otherClientToken],
                { c in
                    .form(path + "/introspect", [("token", c.token)])
                },
                expect: { k, t in
                    k.isClient ? Outcome(status: 200, active: t == .ownClientToken || k == .introspector) : .unauthorized
                }),
            // RFC 7009 §2.1: a client revokes only its own tokens; another's is answered 200 and left alone (being
            // allowed to introspect is no licence to revoke).
            MatrixRow(
                .post, route + "/revoke", .oauth, targets: [.ownClientToken, .otherClientToken],
                { c in
                    .form(path + "/revoke", [("token", c.token)])
                },
                expect: { k, t in
                    k.isClient ? Outcome(status: 200, targetTokenAlive: t == .otherClientToken) : .unauthorized
                }),
            // Issue 15: only a resource server's own credentials read the feed; a client's, a user's token or a session
            // are no such credentials.
            MatrixRow(
                .get, route + "/revocations", .oauth, { _ in .get(path + "/revocations") },
                expect: { _, _ in .unauthorized }),
            // The nginx check passes only a token issued for the resource: no caller's own token or session is one.
            MatrixRow(
                .get, route + "/check", .api, targets: [.resourceServer],
                { c in
                    var request = MatrixRequest.get(path + "/check")
                    request.headers = [HTTPField.Name("X-Portcullis-Resource")!: c.resourceURI]
                    return request
                },
                expect: { _, _ in .unauthorized }),
        ]
    }

    static let apiGetRows: [MatrixRow] =
        [
            MatrixRow(.get, "/api/1.0/users", .api, { _ in .get("/api/1.0/users") }, expect: { k, _ in api(k, write: false, k.has(.viewUsers), .ok) }),
            MatrixRow(.get, "/api/1.0/users/me", .api, { _ in .get("/api/1.0/users/me") }, expect: { k, _ in api(k, write: false, true, .ok) }),
            MatrixRow(
                .get, "/api/1.0/users/{id}", .api, targets: userTargets, { c in .get("/api/1.0/users/\(c.userID)") },
                expect: { k, t in
                    api(k, write: false, t == .itself || k.has(.viewUsers), .ok)
                }),
            MatrixRow(
                .get, "/api/1.0/{workspace}/users", .api, { _ in .get("/api/1.0/workflow/users") },
                expect: { k, _ in
                    api(k, write: false, k.has(.viewUsers), .ok)
                }),
            MatrixRow(
                .get, "/api/1.0/{workspace}/user/{uid}", .api, targets: userTargets, { c in .get("/api/1.0/workflow/user/\(c.uid)") },
                expect: { k, _ in
                    api(k, write: false, k.has(.viewUsers), .ok)
                }),
            MatrixRow(
                .get, "/oauth/clients", .api, { _ in .get("/oauth/clients") },
                expect: { k, _ in
                    api(k, write: false, k.has(.viewAuthClients) || k == .owner, .ok)
                }),
            MatrixRow(
                .get, "/oauth/clients/{id}", .api, targets: clientTargets, { c in .get("/oauth/clients/\(c.clientID)") },
                expect: { k, t in
                    api(k, write: false, onClient(k, t, .viewAuthClients), .ok)
                }),
            // Resource servers change which APIs trust the workspace: a super admin only (Requirement.manageResources).
            MatrixRow(.get, "/oauth/resources", .api, { _ in .get("/oauth/resources") }, expect: { k, _ in api(k, write: false, k.isSuperAdmin, .ok) }),
            MatrixRow(
                .get, "/oauth/resources/{id}", .api, targets: [.resourceServer], { c in .get("/oauth/resources/\(c.resourceID)") },
                expect: { k, _ in api(k, write: false, k.isSuperAdmin, .ok) }),
        ] + tokenAPIPrefixes.flatMap(tokenReads)

    static func tokenReads(_ route: String, _ path: @escaping @Sendable (CellContext) -> String) -> [MatrixRow] {
        [
            MatrixRow(.get, route, .api, targets: userTargets, { c in .get(path(c)) }, expect: { k, t in api(k, write: false, mayManageTokens(k, t), .ok) }),
            MatrixRow(
                .get, route + "/{tokenId}", .api, targets: userTargets, { c in .get("\(path(c))/\(c.tokenID)") },
                expect: { k, t in
                    api(k, write: false, mayManageTokens(k, t), .ok)
                }),
        ]
    }

    /// Personal tokens in both dialects (pm3 names the user by usr_uid).
    static let tokenAPIPrefixes: [(String, @Sendable (CellContext) -> String)] = [
        ("/api/1.0/users/{id}/tokens", { c in "/api/1.0/users/\(c.userID)/tokens" }),
        ("/api/1.0/{workspace}/users/{id}/tokens", { c in "/api/1.0/workflow/users/\(c.uid)/tokens" }),
    ]

    static let apiWriteRows: [MatrixRow] =
        [
            MatrixRow(
                .post, "/api/1.0/users", .api,
                { c in
                    .json(
                        .post, "/api/1.0/users",
                        ["username": "new\(c.n)", "firstname": "N", "lastname": "U", "email": "n\(c.n)@example.com", "password": "new-password-1"])
                }, expect: { k, _ in api(k, write: true, k.has(.createUsers), .created) }),
            // README: one's own profile, edit-users for others, only a super admin for a super admin.
            MatrixRow(
                .put, "/api/1.0/users/{id}", .api, targets: userTargets, { c in .json(.put, "/api/1.0/users/\(c.userID)", ["firstname": "Changed"]) },
                expect: { k, t in api(k, write: true, onUser(k, t, .editUsers, own: true), .ok) }),
            // delete-users (a super admin only by a super admin); oneself never (422 once the permission is there).
            MatrixRow(
                .delete, "/api/1.0/users/{id}", .api, targets: userTargets, { c in MatrixRequest(method: .delete, uri: "/api/1.0/users/\(c.userID)") },
                expect: { k, t in api(k, write: true, onUser(k, t, .deleteUsers, own: false), t == .itself ? .unprocessable : .noContent) }),
            MatrixRow(
                .post, "/oauth/clients", .api, { c in .json(.post, "/oauth/clients", ["name": "api \(c.n)", "types": ["password_client"]]) },
                expect: { k, _ in
                    api(k, write: true, k.has(.createAuthClients) || k == .owner, .created)
                }),
            MatrixRow(
                .put, "/oauth/clients/{id}", .api, targets: clientTargets, { c in .json(.put, "/oauth/clients/\(c.clientID)", ["name": "renamed \(c.n)"]) },
                expect: { k, t in api(k, write: true, onClient(k, t, .editAuthClients), .ok) }),
            MatrixRow(
                .delete, "/oauth/clients/{id}", .api, targets: clientTargets, { c in MatrixRequest(method: .delete, uri: "/oauth/clients/\(c.clientID)") },
                expect: { k, t in api(k, write: true, onClient(k, t, .deleteAuthClients), .noContent) }),
            MatrixRow(
                .post, "/oauth/resources", .api,
                { c in .json(.post, "/oauth/resources", ["uri": "https://new\(c.n).example.com/", "scopes": ["read:x"]]) },
                expect: { k, _ in api(k, write: true, k.isSuperAdmin, .created) }),
            MatrixRow(
                .delete, "/oauth/resources/{id}", .api, targets: [.resourceServer],
                { c in MatrixRequest(method: .delete, uri: "/oauth/resources/\(c.resourceID)") },
                expect: { k, _ in api(k, write: true, k.isSuperAdmin, .noContent) }),
        ] + tokenAPIPrefixes.flatMap(tokenWrites)

    static func tokenWrites(_ route: String, _ path: @escaping @Sendable (CellContext) -> String) -> [MatrixRow] {
        [
            // Within the minting token's own scope and life (a personal token of `*` for 90 days asks for less).
            MatrixRow(
                .post, route, .api, targets: userTargets,
                { c in .json(.post, path(c), ["name": "api \(c.n)", "scopes": ["view_processes"], "expires_in": 30]) },
                expect: { k, t in api(k, write: true, mayMint(k, t), .created) }),
            MatrixRow(
                .delete, route + "/{tokenId}", .api, targets: userTargets, { c in MatrixRequest(method: .delete, uri: "\(path(c))/\(c.tokenID)") },
                expect: { k, t in api(k, write: true, mayManageTokens(k, t), .noContent) }),
        ]
    }

    static var apiRows: [MatrixRow] { apiGetRows + apiGetRows.map(\.head) + apiWriteRows }

    /// Not routes: under /api/ an unknown method on a known path is 405 and an unknown path 404, for everyone.
    static let noRouteRows: [MatrixRow] = [
        MatrixRow(.patch, nil, .api, { _ in MatrixRequest(method: .patch, uri: "/api/1.0/users") }, expect: { _, _ in .status(405) }),
        MatrixRow(
            .patch, nil, .api, targets: [.otherUser], { c in MatrixRequest(method: .patch, uri: "/api/1.0/users/\(c.userID)/tokens") },
            expect: { _, _ in .status(405) }),
        MatrixRow(.get, nil, .api, { _ in .get("/api/1.0/nothing/here") }, expect: { _, _ in .notFound }),
    ]

    // MARK: Tests

    @Test("Every route answers every kind of caller as the rules say", arguments: CallerKind.allCases)
    func matrix(_ kind: CallerKind) async throws {
        try await withServer { server, client in
            let world = try await MatrixWorld.make(kind, server, client)
            let (cells, mismatches) = try await world.run(Self.rows)
            #expect(cells > 100, "only \(cells) cells ran for \(kind.rawValue)")
            let report = mismatches.joined(separator: "\n")
            #expect(mismatches.isEmpty, "\(mismatches.count) of \(cells) cells differ for \(kind.rawValue):\n\(report)")
        }
    }

    @Test("A personal token never mints a token with more scope or a longer life than itself (both dialects)")
    func personalTokenBounds() async throws {
        try await withServer { server, client in
            let p = server.portcullis
            let alice = server.alice
            let parent = try await p.personalTokens.issue(
                for: alice, name: "parent", scope: ScopeSet([.editProcesses]), lifetimeSeconds: 30 * 86400, in: server.workspace)
            for (path, refusals, name) in [
                ("/api/1.0/users/\(alice.id)/tokens", [403, 422], "within pm4"), ("/api/1.0/workflow/users/\(alice.uid)/tokens", [400, 403], "within pm3"),
            ] {
                let wider = try await client.postJSON(path, ["name": "wider", "scopes": ["*"], "expires_in": 10], headers: bearer(parent.accessToken))
                #expect(refusals.contains(Int(wider.status.code)), "more scope: \(Self.refusal(wider))")
                let longer = try await client.postJSON(
                    path, ["name": "longer", "scopes": ["edit_processes"], "expires_in": 31], headers: bearer(parent.accessToken))
                #expect(refusals.contains(Int(longer.status.code)), "longer life: \(Self.refusal(longer))")
                let within = try await client.postJSON(
                    path, ["name": name, "scopes": ["view_processes"], "expires_in": 10], headers: bearer(parent.accessToken))
                #expect(within.status == .created, "within bounds: \(Self.refusal(within))")
            }
            let live = try await p.store.personalTokens.tokens(userID: alice.id).filter { $0.revokedAt == nil }
            #expect(live.allSatisfy { $0.expiresAt <= parent.record.expiresAt }, "no token outlives its parent")
            #expect(live.map(\.name).sorted() == ["parent", "within pm3", "within pm4"], "\(live.map(\.name))")
        }
    }

    /// The status and, for a refusal, the body; never a minted token (test output is read by people too).
    static func refusal(_ response: TestResponse) -> String {
        response.status.code >= 400 ? "\(response.status) \(response.text.prefix(300))" : "\(response.status)"
    }

    @Test("The table has a row for every route and names no route that is gone")
    func everyRouteHasARow() async throws {
        try await withServer { server, _ in
            let routes = buildRouter(server.portcullis).routes.map { "\($0.method.rawValue) \($0.path.description)" }
            let rows = Set(Self.rows.compactMap { row in row.route.map { "\(row.method.rawValue) \($0)" } })
            let missing = Set(routes).subtracting(rows).sorted()
            // HEAD may be served without a route of its own wherever GET is.
            let gone = rows.subtracting(routes).filter { row in
                !(row.hasPrefix("HEAD ") && routes.contains("GET " + row.dropFirst(5)))
            }.sorted()
            #expect(routes.count > 50, "\(routes)")
            #expect(missing.isEmpty, "routes without a row in the authorization matrix: \(missing)")
            #expect(gone.isEmpty, "rows naming routes that no longer exist: \(gone)")
        }
    }
}
