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

    static let base = "/profile/tokens"

    func addRoutes(to pages: RouterGroup<PageRequestContext>) {
        pages.get(RouterPath(Self.base)) { _, context in try await list(context) }
        pages.post(RouterPath(Self.base)) { _, context in try await create(context) }
        pages.get(RouterPath(Self.base + "/new")) { _, context in try await showNew(context) }
        pages.get(RouterPath(Self.base + "/{id}/revoke")) { _, context in try await confirm(context) }
        pages.post(RouterPath(Self.base + "/{id}/revoke")) { _, context in try await revoke(context) }
    }

    private func page(_ context: PageRequestContext, _ template: String, _ extra: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var values = portcullis.layoutContext(context.signedInUser)
        values.merge(extra) { $1 }
        return views.page(template, values, status: status)
    }

    private static func day(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601.year().month().day())
    }

    func list(_ context: PageRequestContext, form: [String: String] = [:], errors: [(field: String, messages: [String])] = []) async throws
        -> Response
    {
        let signedIn = context.signedInUser
        let now = portcullis.clock.now()
        let records = try await portcullis.personalTokens.tokens(of: signedIn.user)
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
            "scopeChoices": Scope.processMaker.map { scope in
                ["value": scope.rawValue, "summary": scope.summary, "checked": form.isEmpty ? scope == .all : form["scope_\(scope.rawValue)"] != nil]
            },
            "lifetimes": PersonalAccessTokens.lifetimeChoices.filter { $0 <= maximum }.map {
                ["value": String($0), "label": "In \($0) days", "selected": chosen == String($0)]
            },
            "dateSelected": chosen == "date", "expiresOn": form["expires_on"] ?? "", "maximumDays": maximum,
            "hasErrors": !errors.isEmpty, "errors": Dictionary(errors.map { ($0.field, $0.messages) }, uniquingKeysWith: +),
        ]
        if let notice = context.sessions.session?.notice {
            extra["notice"] = notice
            context.sessions.withLockedSession { $0?.notice = nil }
        }
        return page(context, "tokens", extra, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func create(_ context: PageRequestContext) async throws -> Response {
        let signedIn = context.signedInUser
        let fields = context.form
        let scope = ScopeSet(Scope.processMaker.filter { fields["scope_\($0.rawValue)"] != nil })
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
            return try await list(context, form: fields, errors: invalid.errors)
        }
    }

    func showNew(_ context: PageRequestContext) async throws -> Response {
        let signedIn = context.signedInUser
        guard let pending = context.sessions.session?.pendingSecret, pending.clientID.hasPrefix("personal-token:"),
            let id = Int(pending.clientID.dropFirst("personal-token:".count)),
            let token = try? KeySealer(key: portcullis.serverKey.flashSealKey).open(pending.sealed, kid: pending.clientID),
            let record = try? await portcullis.personalTokens.token(id: id, of: signedIn.user)
        else { return Views.seeOther(Self.base) }
        context.sessions.withLockedSession { $0?.pendingSecret = nil }
        return page(context, "token-created", ["name": record.name, "token": token, "expires": Self.day(record.expiresAt)])
    }

    /// One's own token `{id}`; anyone else's is as good as not there.
    private func ownToken(_ context: PageRequestContext) async throws -> PersonalTokenRecord {
        do {
            return try await portcullis.personalTokens.token(id: context.parameters.get("id", as: Int.self), of: context.user)
        } catch is ResourceNotFound {
            throw ResourceNotFound("You have no such token.")
        }
    }

    func confirm(_ context: PageRequestContext) async throws -> Response {
        let record = try await ownToken(context)
        return page(context, "token-revoke", ["id": record.id, "name": record.name])
    }

    func revoke(_ context: PageRequestContext) async throws -> Response {
        let record = try await ownToken(context)
        try await portcullis.personalTokens.revoke(record)
        context.sessions.withLockedSession { $0?.notice = "Revoked the token \(record.name); it no longer works." }
        return Views.seeOther(Self.base)
    }
}
