import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import PortcullisCore
import PortcullisStore

/// The login page (pm4 `/login?redirect=…`, pm3 `/sys{workspace}/{lang}/{skin}/login/login?u=…`), sign-out,
/// and the start page.
struct SignInController {
    let portcullis: Portcullis
    let views: Views

    func addRoutes(to pages: some RouterMethods<WorkspaceRequestContext>, dialect: any Dialect) {
        if dialect.hasProfilePages {
            pages.get("/") { _, context in home(context) }
            pages.post("/logout") { request, context in try await logout(request, context) }
        }
        pages.get(RouterPath(dialect.loginPath)) { request, context in try await loginPage(request, context) }
        pages.post(RouterPath(dialect.loginPath)) { request, context in try await login(request, context) }
    }

    var csrf: LoginCSRF { LoginCSRF(key: portcullis.serverKey.internalMACKey) }

    func home(_ context: WorkspaceRequestContext) -> Response {
        views.page("home", context.signedIn.map(portcullis.layoutContext) ?? [:])
    }

    /// Where the form posts, built from constants and the route's parameters, never echoed from the request's path,
    /// and the name of its return-target field.
    private func form(_ context: WorkspaceRequestContext) -> (action: String, field: String) {
        (context.dialect.concrete(context.dialect.loginPath, workspace: context.workspace, context.parameters), context.dialect.returnField)
    }

    func loginPage(_ request: Request, _ context: WorkspaceRequestContext) async throws -> Response {
        let workspace = context.workspace
        let (action, field) = form(context)
        let query = request.uri.queryParameters
        let target = ReturnTargetPolicy.safePath(query[Substring(field)].map(String.init), issuer: portcullis.configuration.resolvedIssuer)
        // Already signed in here: go on.
        if context.signedIn != nil { return Views.seeOther(target ?? "/") }
        let cookieValue = request.cookies[portcullis.loginCookieName]?.value ?? Base64URL.encode(SecureRandom.bytes(32))
        var page: [String: Any] = [
            "workspace": workspace.name, "action": action, "returnField": field, "returnTarget": target ?? "",
            "loginCsrf": csrf.field(for: cookieValue),
        ]
        if query["failed"] != nil { page["error"] = "These credentials do not match our records." }
        if let wait = query["throttled"].flatMap({ Int($0) }) {
            page["error"] = "Too many sign-in attempts. Try again in \(wait) seconds."
        }
        if query["expired"] != nil { page["error"] = "Your sign-in form expired. Please try again." }
        if let clientName = try await clientName(forReturnTarget: target, in: workspace) { page["client"] = clientName }
        var response = views.page("login", page)
        let cookie = Cookie(
            name: portcullis.loginCookieName, value: cookieValue, maxAge: 3600, path: "/",
            secure: portcullis.configuration.resolvedIssuer.hasPrefix("https://"), httpOnly: true, sameSite: .lax)
        response.headers[values: .setCookie].append(cookie.description)
        return response
    }

    /// For "to continue to …": the client named in an authorize return target.
    private func clientName(forReturnTarget target: String?, in workspace: Workspace) async throws -> String? {
        guard let target, let components = URLComponents(string: target), components.path.hasSuffix("/authorize"),
            let clientID = components.queryItems?.first(where: { $0.name == "client_id" })?.value
        else { return nil }
        return try await portcullis.clientAdministration.client(id: clientID, in: workspace)?.name
    }

    func login(_ request: Request, _ context: WorkspaceRequestContext) async throws -> Response {
        let workspace = context.workspace
        let (action, field) = form(context)
        let fields: [String: String]
        do {
            fields = try await RequestParameters.parse(request)
        } catch {
            return views.error("Sign-in failed", error.description, status: .badRequest)
        }
        let target = ReturnTargetPolicy.safePath(fields[field], issuer: portcullis.configuration.resolvedIssuer)
        func back(_ flag: String) -> Response {
            var query = [(field, target ?? ""), (flag, flag == "throttled" ? "" : "1")]
            if target == nil { query.removeFirst() }
            return Views.seeOther(action + "?" + AuthorizationRedirect.encode(query))
        }
        guard csrf.verify(cookie: request.cookies[portcullis.loginCookieName]?.value, field: fields["csrf"]) else { return back("expired") }
        guard let username = fields["username"], !username.isEmpty, let password = fields["password"], !password.isEmpty else {
            return back("failed")
        }
        let user: UserAccount
        let now = portcullis.clock.now()
        // The device cookie names no account: it counts only if its MAC matches the typed username's binding.
        let typed = SignIn.deviceBinding(username: username, in: workspace)
        let device = portcullis.deviceCookie.vouches(request.cookies[portcullis.deviceCookieName]?.value, for: typed, now: now) ? typed : nil
        do {
            user = try await portcullis.signIn.signIn(
                username: username, password: password, in: workspace, address: portcullis.clientAddress(request, context),
                trustedDevice: device)
        } catch OAuthError.throttled(let seconds) {
            return Views.seeOther(
                action + "?" + AuthorizationRedirect.encode((target.map { [(field, $0)] } ?? []) + [("throttled", String(seconds))]))
        } catch OAuthError.invalidUserCredentials {
            return back("failed")
        }
        // A new session id at sign-in (session fixation): the old session, if any, is removed.
        if let old = request.cookies[portcullis.sessionCookieName]?.value {
            try? await SessionPersistDriver(sessions: portcullis.store.sessions, clock: portcullis.clock.now).remove(key: WebSessionCookie.keyPrefix + old)
        }
        context.sessions.createSession(
            WebSession(
                userID: user.id, workspaceID: workspace.id, csrfToken: OpaqueSecret.generate(.csrfToken), tokenVersion: user.tokenVersion,
                signedInAt: portcullis.clock.now()),
            expiresIn: .seconds(portcullis.configuration.sessionIdleTimeout))
        var response = Views.seeOther(target ?? "/")
        // This browser now knows the account's password: a device cookie for it (OWASP), renewed at every sign-in.
        let cookie = Cookie(
            name: portcullis.deviceCookieName,
            value: portcullis.deviceCookie.issue(binding: typed, now: now),
            maxAge: Int(DeviceCookie.lifetime), path: "/", secure: portcullis.servesHTTPS, httpOnly: true, sameSite: .lax)
        response.headers[values: .setCookie].append(cookie.description)
        return response
    }

    func logout(_ request: Request, _ context: WorkspaceRequestContext) async throws -> Response {
        if let session = context.sessions.session {
            let fields = (try? await RequestParameters.parse(request)) ?? [:]
            guard CSRF.matches(fields["csrf"], session) else {
                return views.error("Sign-out failed", "The form expired. Go back, reload the page and try again.", status: .forbidden)
            }
            context.sessions.clearSession()
        }
        return Views.seeOther("/login")
    }
}

extension Portcullis {
    /// What the layout needs for a signed-in user: the name, the CSRF token for sign-out, the menu.
    func layoutContext(_ signedIn: SignedIn) -> [String: Any] {
        let links = menuLinks(for: signedIn.user)
        return [
            "signedIn": signedIn.user.username, "csrf": signedIn.session.csrfToken, "workspace": signedIn.workspace.name,
            "links": links.map { ["href": $0.href, "label": $0.label] }, "hasLinks": !links.isEmpty,
        ]
    }

    /// The pages a user may open; a link is shown only to those who may follow it.
    func menuLinks(for user: UserAccount) -> [(href: String, label: String)] {
        var links: [(href: String, label: String)] = [("/profile/tokens", "API Tokens")]
        if Requirement.seeClients.isMet(by: user) { links.append((PM4Dialect().clientPagesPath, "Auth Clients")) }
        if Requirement.manageResources.isMet(by: user) { links.append((ResourcePagesController.base, "Resource servers")) }
        return links
    }
}
