import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
public import PortcullisCore
import PortcullisStore
public import PortcullisWire

/// Personal access tokens through the API, as ProcessMaker 4 has them: `/api/1.0/users/{id}/tokens…`, and the same
/// under `/api/1.0/{workspace}/users/{id}/tokens…` for ProcessMaker 3. Who may do what is PersonalAccessTokens' rule.
struct PersonalTokensAPIController {
    let portcullis: Portcullis

    func addRoutes(to api: RouterGroup<APIRequestContext>, dialect: any Dialect) {
        let prefix = dialect.apiPrefix + "/users/{id}/tokens"
        api.getAndHead(prefix) { _, context in
            let owner = try await owner(context)
            let records = try await portcullis.personalTokens.tokens(of: owner)
            let resources = try await portcullis.resources(records)
            let meta = ListMeta(
                filter: "", sortBy: "created_at", sortOrder: "desc", count: resources.count, total: resources.count,
                perPage: max(resources.count, 1), currentPage: 1, path: portcullis.configuration.resolvedIssuer + prefix)
            return Responses.json(ListResponse(data: resources, meta: meta))
        }
        api.post(RouterPath(prefix)) { request, context in
            let owner = try await owner(context)
            let input = try await TokenInput.decode(request)
            let lifetime = try await input.lifetime(portcullis: portcullis, workspace: context.workspace)
            let scope: ScopeSet
            do {
                scope = try ScopeSet.parse((input.scopes ?? ["*"]).joined(separator: " ")) ?? ScopeSet([])
            } catch {
                throw ValidationFailure(field: "scopes", message: "Unknown scope; use *, view_processes or edit_processes.")
            }
            let (token, record) = try await portcullis.personalTokens.mint(
                for: owner, by: context.user, via: context.caller.credential, name: input.name ?? "", scope: scope,
                lifetimeSeconds: lifetime, in: context.workspace)
            let created = PersonalTokenCreated(accessToken: token, token: try await portcullis.resources([record])[0])
            return Responses.json(created, status: .created, headers: Responses.noStore)
        }
        api.getAndHead(prefix + "/{tokenId}") { _, context in
            let record = try await portcullis.personalTokens.token(id: context.parameters.get("tokenId", as: Int.self), of: try await owner(context))
            return Responses.json(try await portcullis.resources([record])[0])
        }
        api.delete(RouterPath(prefix + "/{tokenId}")) { _, context in
            let record = try await portcullis.personalTokens.token(id: context.parameters.get("tokenId", as: Int.self), of: try await owner(context))
            try await portcullis.personalTokens.revoke(record)
            return Response(status: .noContent)
        }
    }

    /// The `{id}` user (an id, or ProcessMaker 3's usr_uid) whose tokens the caller may manage (Core's rule).
    private func owner(_ context: APIRequestContext) async throws -> UserAccount {
        let actor = context.user
        let id = context.parameters.get("id") ?? ""
        let found: UserAccount?
        // One's own tokens (the common case, and the only one minting allows): the caller's row is already loaded.
        if Int(id) == actor.id || id == actor.uid {
            found = actor
        } else if let number = Int(id) {
            found = try await portcullis.userAdministration.user(id: number, in: context.workspace)
        } else {
            found = try await portcullis.userAdministration.user(uid: id, in: context.workspace)
        }
        return try PersonalAccessTokens.owner(found, id: id, by: actor)
    }
}

/// `{"name", "scopes": […], "expires_in"?: days or "90d", "expires_at"?: "2027-01-31"}`.
struct TokenInput: Decodable {
    var name: String?
    var scopes: [String]?
    var expiresIn: ExpiresIn?
    var expiresAt: String?

    enum CodingKeys: String, CodingKey {
        case name, scopes
        case expiresIn = "expires_in"
        case expiresAt = "expires_at"
    }

    enum ExpiresIn: Decodable {
        case days(Int)
        case text(String)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let days = try? container.decode(Int.self) { self = .days(days) } else { self = .text(try container.decode(String.self)) }
        }
    }

    static func decode(_ request: Request) async throws -> TokenInput {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: RequestParameters.maximumBodySize)
        } catch {
            throw APIError.badRequest("The request body is larger than 64 KiB")
        }
        let input: TokenInput
        do {
            input = try JSONDecoder().decode(TokenInput.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("The body must be a JSON object like {\"name\": \"My script\", \"scopes\": [\"*\"]}")
        }
        guard !RequestParameters.repeatsTopLevelKey(Array(buffer.readableBytesView)) else {
            throw APIError.badRequest("A field was sent more than once")
        }
        return input
    }

    /// Seconds; nil when the body names no lifetime (PersonalAccessTokens.mint then picks the default).
    func lifetime(portcullis: Portcullis, workspace: Workspace) async throws -> Int64? {
        let maximum = try await portcullis.personalTokens.maximumDays(in: workspace)
        let problem = ValidationFailure(field: "expires_at", message: "The token must last between 1 and \(maximum) days.")
        if let expiresAt {
            guard let seconds = TokenLifetime.secondsUntil(expiresAt, now: portcullis.clock.now()) else { throw problem }
            return seconds
        }
        switch expiresIn {
        case .days(let days):
            // Bounded before multiplying: an overflow would trap and take the server down.
            guard (1...Int(maximum)).contains(days) else { throw problem }
            return Int64(days) * 86400
        case .text(let text):
            guard let seconds = try? Configuration.parseDuration(text, name: "expires_in", range: 0...(Int64(maximum) * 86400)) else { throw problem }
            return seconds
        case nil: return nil
        }
    }
}

enum TokenLifetime {
    /// Seconds from `now` to a date the user typed, if it is a real date within a few years (so the conversion to
    /// integer seconds cannot trap).
    static func secondsUntil(_ text: String, now: Int64) -> Int64? {
        guard let date = parseDate(text) else { return nil }
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, interval > 0, interval < 4_102_444_800 else { return nil }  // before 2100
        return Int64(interval) - now
    }

    /// `2027-01-31` (the end of that day, UTC) or a full ISO 8601 time.
    static func parseDate(_ text: String) -> Date? {
        if let full = try? Date(text, strategy: .iso8601) { return full }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        return day.date(from: text).map { $0.addingTimeInterval(86399) }
    }
}

extension Portcullis {
    /// Rows as the API shows them, with the freshest last-used time this instance knows.
    public func resources(_ records: [PersonalTokenRecord]) async throws -> [PersonalTokenResource] {
        var clientIDs: [Int: String] = [:]
        var result: [PersonalTokenResource] = []
        for record in records {
            if clientIDs[record.clientRowID] == nil {
                clientIDs[record.clientRowID] = try await store.clients.client(id: record.clientRowID)?.clientID ?? ""
            }
            let lastUsed = [record.lastUsedAt, tokenUsage.pendingUse(of: record.id)].compactMap { $0 }.max()
            result.append(
                PersonalTokenResource(
                    id: record.id, userID: record.userID, clientID: clientIDs[record.clientRowID] ?? "", name: record.name,
                    scopes: record.scope.sorted.map(\.rawValue), revoked: record.revokedAt != nil, createdAt: Responses.date(record.createdAt),
                    updatedAt: Responses.date(record.updatedAt), expiresAt: Responses.date(record.expiresAt),
                    lastUsedAt: lastUsed.map(Responses.date)))
        }
        return result
    }
}
