import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import PortcullisCore
import PortcullisStore

/// The signed-in user's "API Tokens" pages at `/profile/tokens`: list, create (shown once), revoke.
struct TokenPagesController {
    let portcullis: Portcullis
    let views: Views

    func addRoutes(to web: some RouterMethods<AppRequestContext>) {
        web.get("/profile/tokens") { request, context in try await signedIn(request, context) { try await list($0, context) } }
        web.post("/profile/tokens") { request, context in try await signedIn(request, context) { try await create($0, context, request) } }
        web.get("/profile/tokens/new") { request, context in try await signedIn(request, context) { try await showNew($0, context) } }
        web.get("/profile/tokens/{id}/revoke") { request, context in try await signedIn(request, context) { try await confirm($0, context) } }
        web.post("/profile/tokens/{id}/revoke") { request, context in try await signedIn(request, context) { try await revoke($0, context, request) } }
    }

    private func signedIn(_ request: Request, _ context: AppRequestContext, _ body: (SignedIn) async throws -> Response) async throws -> Response {
        guard let workspace = try await portcullis.resolveWorkspace(named: Workspace.defaultName) else { return Response(status: .serviceUnavailable) }
        guard let signedIn = try await portcullis.signedIn(context, in: workspace) else {
            return Views.seeOther("/login?" + AuthorizationRedirect.encode([("redirect", request.method == .get ? request.pathAndQuery : "/profile/tokens")]))
        }
        return try await body(signedIn)
    }

    private func page(_ signedIn: SignedIn, _ template: String, _ extra: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var context = portcullis.layoutContext(signedIn)
        context.merge(extra) { $1 }
        return views.page(template, context, status: status)
    }

    enum FormOutcome {
        case fields([String: String])
        case refused(Response)
    }

    /// A form post's fields after the CSRF check, or the refusal.
    private func form(_ request: Request, _ signedIn: SignedIn) async -> FormOutcome {
        guard let fields = try? await RequestParameters.parse(request), let sent = fields["csrf"],
            ConstantTime.equals(sent, signedIn.session.csrfToken)
        else {
            return .refused(page(signedIn, "error", ["heading": "This form has expired", "message": "Go back, reload the page and try again."], status: .forbidden))
        }
        return .fields(fields)
    }

    private static func day(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601.year().month().day())
    }

    func list(_ signedIn: SignedIn, _ context: AppRequestContext, form: [String: String] = [:], errors: [(field: String, messages: [String])] = [])
        async throws -> Response
    {
        let now = portcullis.clock.now()
        let records = try await portcullis.store.personalTokens.tokens(userID: signedIn.user.id)
        let maximum = try await portcullis.personalTokens.maximumDays(in: signedIn.workspace)
        let chosen = form["lifetime"] ?? String(min(90, maximum))
        var extra: [String: Any] = [
            "hasTokens": !records.isEmpty,
            "tokens": records.map { record -> [String: Any] in
                let lastUsed = [record.lastUsedAt, portcullis.tokenUsage.pendingUse(of: record.id)].compactMap { $0 }.max()
                return [
                    "id": record.id, "name": record.name, "scopes": record.scope.sorted.map(\.rawValue), "created": Self.day(record.createdAt),
                    "lastUsed": lastUsed.map(Self.day) ?? "never", "expires": Self.day(record.expiresAt), "revoked": record.revokedAt != nil,
                    "expired": record.revokedAt == nil && record.expiresAt <= now, "live": record.isLive(at: now),
                ]
            },
            "name": form["name"] ?? "",
            "scopeChoices": Scope.allCases.map { scope in
                ["value": scope.rawValue, "summary": scope.summary, "checked": form.isEmpty ? scope == .all : form["scope_\(scope.rawValue)"] != nil]
            },
            "lifetimes": PersonalAccessTokens.lifetimeChoices.filter { $0 <= maximum }.map { ["value": String($0), "label": "In \($0) days", "selected": chosen == String($0)] },
            "dateSelected": chosen == "date", "expiresOn": form["expires_on"] ?? "", "maximumDays": maximum,
            "hasErrors": !errors.isEmpty, "errors": Dictionary(errors.map { ($0.field, $0.messages) }, uniquingKeysWith: +),
        ]
        if let notice = context.sessions.session?.notice {
            extra["notice"] = notice
            context.sessions.withLockedSession { $0?.notice = nil }
        }
        return page(signedIn, "tokens", extra, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func create(_ signedIn: SignedIn, _ context: AppRequestContext, _ request: Request) async throws -> Response {
        let fields: [String: String]
        switch await form(request, signedIn) {
        case .refused(let refusal): return refusal
        case .fields(let parsed): fields = parsed
        }
        let scope = ScopeSet(Scope.allCases.filter { fields["scope_\($0.rawValue)"] != nil })
        var lifetime: Int64 = -1
        if fields["lifetime"] == "date" {
            if let seconds = fields["expires_on"].flatMap({ TokenLifetime.secondsUntil($0, now: portcullis.clock.now()) }) { lifetime = seconds }
        } else if let days = fields["lifetime"].flatMap({ Int64($0) }), (1...3660).contains(days) {
            lifetime = days * 86400
        }
        do {
            let (token, record) = try await portcullis.personalTokens.mint(
                for: signedIn.user, by: signedIn.user, via: .session, name: fields["name"] ?? "", scope: scope, lifetimeSeconds: lifetime,
                in: signedIn.workspace)
            // Shown once, on the next page: sealed in the session until then.
            let sealed = try KeySealer(key: portcullis.serverKey.flashSealKey).seal(token, kid: "personal-token:\(record.id)")
            context.sessions.withLockedSession { $0?.pendingSecret = .init(clientID: "personal-token:\(record.id)", sealed: sealed) }
            return Views.seeOther("/profile/tokens/new")
        } catch let invalid as ValidationFailure {
            return try await list(signedIn, context, form: fields, errors: invalid.errors)
        }
    }

    func showNew(_ signedIn: SignedIn, _ context: AppRequestContext) async throws -> Response {
        guard let pending = context.sessions.session?.pendingSecret, pending.clientID.hasPrefix("personal-token:"),
            let id = Int(pending.clientID.dropFirst("personal-token:".count)),
            let token = try? KeySealer(key: portcullis.serverKey.flashSealKey).open(pending.sealed, kid: pending.clientID),
            let record = try await portcullis.store.personalTokens.token(id: id), record.userID == signedIn.user.id
        else { return Views.seeOther("/profile/tokens") }
        context.sessions.withLockedSession { $0?.pendingSecret = nil }
        return page(signedIn, "token-created", ["name": record.name, "token": token, "expires": Self.day(record.expiresAt)])
    }

    private func ownToken(_ signedIn: SignedIn, _ context: AppRequestContext) async throws -> PersonalTokenRecord? {
        guard let id = context.parameters.get("id", as: Int.self), let record = try await portcullis.store.personalTokens.token(id: id),
            record.userID == signedIn.user.id
        else { return nil }
        return record
    }

    func confirm(_ signedIn: SignedIn, _ context: AppRequestContext) async throws -> Response {
        guard let record = try await ownToken(signedIn, context) else {
            return page(signedIn, "error", ["heading": "Not found", "message": "You have no such token."], status: .notFound)
        }
        return page(signedIn, "token-revoke", ["id": record.id, "name": record.name])
    }

    func revoke(_ signedIn: SignedIn, _ context: AppRequestContext, _ request: Request) async throws -> Response {
        if case .refused(let refusal) = await form(request, signedIn) { return refusal }
        guard let record = try await ownToken(signedIn, context) else {
            return page(signedIn, "error", ["heading": "Not found", "message": "You have no such token."], status: .notFound)
        }
        try await portcullis.personalTokens.revoke(record)
        context.sessions.withLockedSession { $0?.notice = "Revoked the token \(record.name); it no longer works." }
        return Views.seeOther("/profile/tokens")
    }
}
