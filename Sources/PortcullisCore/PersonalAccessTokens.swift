import Foundation
import Synchronization

/// Personal access tokens (ProcessMaker 4's "API Tokens"): access tokens a user makes for their own scripts,
/// issued through the workspace's Personal Access Client, checked like every other access token, listed and
/// revoked through a stored row.
public struct PersonalAccessTokens: Sendable {
    let server: AuthorizationServer
    let tokens: any PersonalTokenRepository
    let settings: any WorkspaceSettingsRepository

    public init(server: AuthorizationServer, tokens: any PersonalTokenRepository, settings: any WorkspaceSettingsRepository) {
        self.server = server
        self.tokens = tokens
        self.settings = settings
    }

    /// The name of the client each workspace gets for personal access tokens.
    public static let clientName = "Personal Access Client"
    /// The longest lifetime any token may have: a user-wide revocation must outlive every token (366 days).
    public static let absoluteMaximumDays = 366
    /// How many generations of personal tokens may stand behind one (each carries its ancestors' ids, so revoking
    /// any of them reaches it); the chain stays short enough to check in the mirror at no cost.
    public static let maximumAncestry = 8
    /// The lifetimes the token page offers, in days.
    public static let lifetimeChoices = [30, 90, 365]

    /// The workspace's personal access client: the oldest client with the switch on.
    public func client(in workspace: Workspace) async throws -> OAuthClient? {
        try await server.clients.clients(workspaceID: workspace.id).filter { $0.grants.contains(.personalAccess) }.min { $0.id < $1.id }
    }

    /// A year, or the workspace's maximum if lower.
    public func defaultLifetime(in workspace: Workspace) async throws -> Int64 {
        Int64(min(365, try await maximumDays(in: workspace))) * 86400
    }

    /// The longest lifetime, in days, allowed in the workspace.
    public func maximumDays(in workspace: Workspace) async throws -> Int {
        min(Self.absoluteMaximumDays, try await settings.maximumPersonalTokenDays(workspaceID: workspace.id) ?? Self.absoluteMaximumDays)
    }

    /// A user mints a token for themselves, through a route (the API Tokens page or the API).
    ///
    /// Only the owner mints their own (an administrator who could mint for another user would hold that user's
    /// powers, a super admin's included); only a first-party caller mints at all (a session or a personal token, as
    /// Passport allows: an application's token would otherwise turn its scope and lifetime into `*` for a year, and
    /// outlive the application); and a personal token never mints one with more scope or a longer life than itself.
    /// `lifetimeSeconds` nil asks for the default: a year, or less where the workspace's maximum or the minting
    /// token's own remaining life is shorter.
    public func mint(
        for owner: UserAccount, by actor: UserAccount, via credential: CallerCredential, name: String, scope: ScopeSet,
        lifetimeSeconds requested: Int64?, in workspace: Workspace
    ) async throws -> (accessToken: String, record: PersonalTokenRecord) {
        guard actor.id == owner.id, actor.workspaceID == owner.workspaceID else {
            throw PermissionDenied("Only the owner may make a personal access token for their account")
        }
        guard credential.isFirstParty else {
            throw PermissionDenied(
                "Personal access tokens are made from a signed-in session or with a personal access token, not with an application's token")
        }
        var bound: [(field: String, messages: [String])] = []
        var ancestors: [String] = []
        var lifetimeSeconds: Int64
        if let requested { lifetimeSeconds = requested } else { lifetimeSeconds = try await defaultLifetime(in: workspace) }
        if let parent = credential.personalToken {
            if requested == nil { lifetimeSeconds = min(lifetimeSeconds, parent.expiresAt - server.clock.now()) }
            ancestors = (parent.personalTokenAncestors ?? []) + [parent.tokenID]
            if ancestors.count > Self.maximumAncestry {
                bound.append(
                    ("token", ["A token made from \(Self.maximumAncestry) generations of tokens may not make another; make one on the API Tokens page."]))
            }
            if !parent.scopeSet.covers(scope) {
                bound.append(("scopes", ["A token may not make a token with more scope than its own (\(parent.scope))."]))
            }
            if lifetimeSeconds > parent.expiresAt - server.clock.now() {
                bound.append(("expires_at", ["A token may not make a token that outlives it."]))
            }
        }
        return try await issue(
            for: owner, name: name, scope: scope, lifetimeSeconds: lifetimeSeconds, in: workspace, ancestors: ancestors,
            notAfter: credential.personalToken?.expiresAt, extraErrors: bound)
    }

    /// Makes a token for `user`: `name` unique among the user's live tokens, at least one scope, a lifetime within
    /// the workspace's maximum. Returns the token (shown once) and its row. Routes call `mint`; this is the operator's
    /// path (the CLI on the server's own data folder), which no caller over HTTP reaches.
    public func issue(
        for user: UserAccount, name: String, scope: ScopeSet, lifetimeSeconds: Int64, in workspace: Workspace, ancestors: [String] = [],
        notAfter: Int64? = nil, extraErrors: [(field: String, messages: [String])] = []
    ) async throws -> (accessToken: String, record: PersonalTokenRecord) {
        let now = server.clock.now()
        var errors: [(String, [String])] = extraErrors.map { ($0.field, $0.messages) }
        // A name a person typed: NFC, no control or format characters (audit finding 6: `x\u{0}` was stored and shown
        // as `x`), so two names that look the same are the same name.
        var trimmed = ""
        do {
            trimmed = try PRECIS.displayName(name)
            if try await tokens.tokens(userID: user.id).contains(where: { $0.isLive(at: now) && $0.name.lowercased() == trimmed.lowercased() }) {
                errors.append(("name", ["You already have a token with this name."]))
            }
        } catch PRECIS.Refusal.empty {
            errors.append(("name", ["The name field is required."]))
        } catch let refusal as PRECIS.Refusal {
            errors.append(("name", ["The name \(refusal.description)"]))
        }
        if scope.scopes.isEmpty { errors.append(("scopes", ["Select at least one scope."])) }
        let maximum = try await maximumDays(in: workspace)
        if lifetimeSeconds < 86400 || lifetimeSeconds > Int64(maximum) * 86400 {
            errors.append(("expires_at", ["The token must last between 1 and \(maximum) days."]))
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        guard let client = try await client(in: workspace) else {
            throw ValidationFailure(field: "client", message: "This workspace has no client with personal access tokens switched on.")
        }
        let tokenID = Base64URL.encode(SecureRandom.bytes(16))
        // The clock may have ticked since `mint` measured the minting token's remaining life: never past its expiry
        // (the revocation mirror relies on it: a revoked ancestor's row outlives every descendant).
        let expiresAt = min(now + lifetimeSeconds, notAfter ?? .max)
        let record = try await tokens.create(
            workspaceID: workspace.id, userID: user.id, clientRowID: client.id, name: trimmed, scope: scope, tokenID: tokenID,
            expiresAt: expiresAt, now: now)
        let claims = AccessTokenClaims(
            issuer: server.codec.issuer, subject: String(user.id), audience: [server.codec.audience(for: workspace)], clientID: client.clientID,
            scope: scope, tokenID: tokenID, grantID: nil, personalTokenID: String(record.id),
            personalTokenAncestors: ancestors.isEmpty ? nil : ancestors, userVersion: user.tokenVersion, issuedAt: now,
            expiresAt: expiresAt)
        return (try server.codec.sign(claims), record)
    }

    /// Revokes one token: at once here, within a second on other instances.
    public func revoke(_ record: PersonalTokenRecord) async throws {
        let now = server.clock.now()
        let revocation = Revocation(
            kind: .token, value: record.tokenID, revokedAt: now, expiresAt: max(record.expiresAt, now + 1), workspaceID: record.workspaceID)
        try await tokens.revoke(id: record.id, revocation: revocation, now: now)
        server.revocationList.apply([revocation])
    }

    /// Who may list and revoke whose tokens: one's own; another user's only where the actor may edit that user
    /// (edit-users, and a super admin's only by a super admin: the rule user updates follow), in the same workspace.
    public static func mayManage(tokensOf owner: UserAccount, by actor: UserAccount) -> Bool {
        guard actor.workspaceID == owner.workspaceID else { return false }
        if actor.id == owner.id { return true }
        return actor.has(.editUsers) && (!owner.isSuperAdmin || actor.isSuperAdmin)
    }

    /// The user whose tokens `actor` asked for by `id` (`found`, looked up in the actor's workspace), if the actor may
    /// manage them. Only someone who could manage others' tokens learns whether an id exists.
    public static func owner(_ found: UserAccount?, id: String, by actor: UserAccount) throws -> UserAccount {
        guard let user = found, user.workspaceID == actor.workspaceID else {
            if !actor.has(.editUsers) { throw PermissionDenied("You may manage only your own tokens") }
            throw ResourceNotFound("No user has the id \(id.prefix(64))")
        }
        try requireManage(tokensOf: user, by: actor)
        return user
    }

    /// The token `id` of `owner`, or 404.
    public func token(id: Int?, of owner: UserAccount) async throws -> PersonalTokenRecord {
        guard let id, let record = try await tokens.token(id: id), record.userID == owner.id else { throw ResourceNotFound("No such token") }
        return record
    }

    /// Throws `PermissionDenied` unless `actor` may list and revoke the tokens of `owner`.
    public static func requireManage(tokensOf owner: UserAccount, by actor: UserAccount) throws {
        guard mayManage(tokensOf: owner, by: actor) else {
            throw PermissionDenied(
                owner.isSuperAdmin && actor.has(.editUsers)
                    ? "Only a super admin may manage a super admin's tokens"
                    : "You may manage only your own tokens; managing others' needs edit-users")
        }
    }
}

/// Last-used times of personal access tokens, kept in memory and written at most once a minute per token, so a
/// request never costs a database write.
public final class PersonalTokenUsage: Sendable {
    private let pending = Mutex<[Int: Int64]>([:])
    public init() {}

    public func touch(_ id: Int, at now: Int64) { pending.withLock { $0[id] = now } }

    /// The unwritten times, emptied.
    public func drain() -> [Int: Int64] {
        pending.withLock { current in
            defer { current = [:] }
            return current
        }
    }

    /// A not-yet-written time, for showing the freshest value.
    public func pendingUse(of id: Int) -> Int64? { pending.withLock { $0[id] } }
}

extension PersonalAccessTokens {
    /// Every token row of `owner`, newest first.
    public func tokens(of owner: UserAccount) async throws -> [PersonalTokenRecord] {
        try await tokens.tokens(userID: owner.id)
    }
}
