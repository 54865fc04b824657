import Synchronization

/// The resource servers of every workspace as this instance last read them. The table is small (a few rows per
/// workspace), so the mirror pass reads all of it every time instead of following a change feed: a registration or
/// deletion made anywhere is in force here within one pass, one made here at once.
public final class ResourceCatalog: Sendable {
    private struct State {
        var byWorkspace: [Int: [ResourceServer]] = [:]
        var byClientID: [String: ResourceServer] = [:]
    }
    private let state = Mutex(State())

    public init(_ servers: [ResourceServer] = []) { replace(with: servers) }

    public func replace(with servers: [ResourceServer]) {
        var next = State()
        for server in servers.sorted(by: { $0.id < $1.id }) {
            next.byWorkspace[server.workspaceID, default: []].append(server)
            next.byClientID[server.clientID] = server
        }
        state.withLock { $0 = next }
    }

    public func reload(from repository: any ResourceServerRepository) async throws {
        replace(with: try await repository.resourceServers())
    }

    public func servers(in workspaceID: Int) -> [ResourceServer] { state.withLock { $0.byWorkspace[workspaceID] ?? [] } }

    /// Whether some resource server of the workspace lists the client among its machine clients.
    public func isMachineClient(_ clientID: String, in workspaceID: Int) -> Bool {
        servers(in: workspaceID).contains { $0.machineClients.contains(clientID) }
    }

    /// Byte equality (RFC 8707 §2 leaves comparison to the server; exact bytes leave no room for look-alikes).
    public func server(uri: String, in workspaceID: Int) -> ResourceServer? {
        servers(in: workspaceID).first { RedirectURIPolicy.sameBytes($0.uri, uri) }
    }

    public func server(clientID: String) -> ResourceServer? { state.withLock { $0.byClientID[clientID] } }

    /// The words the consent screen shows for a scope: ProcessMaker's own, or the description its resource server
    /// registered.
    public func summary(of scope: Scope, in workspaceID: Int) -> String {
        if scope.isProcessMaker { return scope.summary }
        return servers(in: workspaceID).lazy.flatMap(\.scopes).first { $0.name == scope.rawValue }?.description ?? scope.rawValue
    }

    /// The scopes every resource server of the workspace defines, for the metadata's `scopes_supported`.
    public func scopes(in workspaceID: Int) -> [ResourceScope] { servers(in: workspaceID).flatMap(\.scopes) }
}

/// What a token is for (RFC 8707): the resources its `aud` names and its scope. No resources means Portcullis's own
/// API of the workspace, with ProcessMaker's scopes: what every client got before resource servers existed.
public struct TokenTarget: Sendable, Equatable {
    public let resources: [String]
    public let scope: ScopeSet

    public init(resources: [String], scope: ScopeSet) {
        self.resources = resources
        self.scope = scope
    }

    /// RFC 8707 §2: `resource` may be given several times; the request parsers join the values with this separator
    /// (and refuse a value that holds it), so each value is compared exactly as sent.
    public static let separator: Character = "\u{1F}"

    /// The most bytes the resources and the scope (twice) may take in a token: with the other claims, the header and
    /// an RS256 signature, base64url-encoded, the token stays under the 8 KiB the checks accept.
    public static let maximumClaimBytes = 4096

    /// The `resource` values of a request, each as sent, duplicates dropped.
    public static func requestedResources(_ raw: String?) -> [String] {
        guard let raw else { return [] }
        var seen: Set<String> = []
        return raw.split(separator: separator, omittingEmptySubsequences: false).map(String.init).filter { seen.insert($0).inserted }
    }

    /// A stored list (grants, codes): URIs joined by spaces, which no registered URI holds.
    public static func storedResources(_ raw: String) -> [String] { raw.split(separator: " ").map(String.init) }
}

extension ResourceCatalog {
    /// The target of a new grant (password, client credentials, an authorization request).
    ///
    /// - Without `resource`: scopes that belong to the workspace's resource servers name those servers (the audience
    ///   follows from the scope), ProcessMaker's scopes name Portcullis's own API, and the two cannot be mixed in one
    ///   token. Without either, `*` for Portcullis's own API, as always.
    /// - With `resource`: each must be registered here (else `invalid_target`, RFC 8707 §2); the scope may name only
    ///   those servers' scopes, and defaults to all of them.
    ///
    /// `machineClient` is the client of a client-credentials request: such a token acts for the client alone, so each
    /// API it is for must list the client among its `machineClients`.
    public func target(resources rawResources: String?, scope rawScope: String?, in workspaceID: Int, machineClient: String? = nil)
        throws(OAuthError) -> TokenTarget
    {
        let target = try unchecked(resources: rawResources, scope: rawScope, in: workspaceID)
        // Every resource is in `aud` and every scope twice (`scope`, `scopes`): past this, the signed token would outgrow
        // what the checks read (8 KiB, AccessTokenCodec), and the server would issue a token that its own check,
        // introspection and revocation refuse (second attacker's pass, issue 15).
        let size = target.resources.reduce(0) { $0 + $1.utf8.count } + 2 * target.scope.description.utf8.count
        guard size <= TokenTarget.maximumClaimBytes else {
            throw OAuthError.invalidTarget("The token would be too large: ask for fewer resources or scopes")
        }
        if let machineClient {
            for uri in target.resources where !(server(uri: uri, in: workspaceID)?.machineClients.contains(machineClient) ?? false) {
                throw OAuthError.invalidTarget("This client may not get tokens for \(uri) for itself; the API's administrator lists the clients that may")
            }
        }
        return target
    }

    private func unchecked(resources rawResources: String?, scope rawScope: String?, in workspaceID: Int) throws(OAuthError) -> TokenTarget {
        let servers = servers(in: workspaceID)
        let requested = TokenTarget.requestedResources(rawResources)
        if requested.isEmpty {
            let scope = try ScopeSet.parse(rawScope, known: { name in servers.contains { $0.defines(Scope(rawValue: String(name))) } })
            guard let scope else { return TokenTarget(resources: [], scope: .everything) }
            let foreign = scope.scopes.filter { !$0.isProcessMaker }
            if foreign.isEmpty { return TokenTarget(resources: [], scope: scope) }
            // One token is for Portcullis's API or for others, never both: `aud` could not say which scope is whose.
            guard foreign.count == scope.scopes.count else { throw OAuthError.invalidScope }
            // One API only: a token for every API that happens to define a scope of the same name could be replayed
            // from one of them to the others (second attacker's pass, issue 15). Several: name it with `resource`.
            let named = servers.filter { server in foreign.contains { server.defines($0) } }.map(\.uri)
            guard named.count == 1 else {
                throw OAuthError.invalidTarget("Several APIs define these scopes: name the one the token is for with resource")
            }
            return TokenTarget(resources: named, scope: scope)
        }
        var selected: [ResourceServer] = []
        for uri in requested {
            guard ResourceServerRegistration.isResourceIndicator(uri), let server = server(uri: uri, in: workspaceID) else {
                throw OAuthError.invalidTarget("The resource is not registered")
            }
            selected.append(server)
        }
        return TokenTarget(resources: selected.map(\.uri), scope: try Self.scope(rawScope, of: selected, default: nil))
    }

    /// The target of a token made from an existing grant (refresh token, authorization code): resources and scope may
    /// narrow, never widen (RFC 8707 §2.2, RFC 6749 §6). A resource deleted since the grant is no longer reachable.
    public func narrow(_ granted: TokenTarget, resources rawResources: String?, scope rawScope: String?, in workspaceID: Int) throws(OAuthError)
        -> TokenTarget
    {
        let requested = TokenTarget.requestedResources(rawResources)
        if granted.resources.isEmpty {
            guard requested.isEmpty else { throw OAuthError.invalidTarget("The grant is not for this resource") }
            let scope = try ScopeSet.parse(rawScope) ?? granted.scope
            guard granted.scope.covers(scope) else { throw OAuthError.invalidScope }
            return TokenTarget(resources: [], scope: scope)
        }
        let wanted = requested.isEmpty ? granted.resources : requested
        var selected: [ResourceServer] = []
        for uri in wanted {
            guard granted.resources.contains(where: { RedirectURIPolicy.sameBytes($0, uri) }) else {
                throw OAuthError.invalidTarget("The grant is not for this resource")
            }
            guard let server = server(uri: uri, in: workspaceID) else { throw OAuthError.invalidTarget("The resource is not registered") }
            selected.append(server)
        }
        let scope = try Self.scope(rawScope, of: selected, default: granted.scope)
        guard granted.scope.covers(scope) else { throw OAuthError.invalidScope }
        return TokenTarget(resources: selected.map(\.uri), scope: scope)
    }

    /// A scope for tokens to `servers`: only their scopes (ProcessMaker's mean nothing there); without one, what they
    /// define (within `granted`, when narrowing a grant).
    private static func scope(_ raw: String?, of servers: [ResourceServer], default granted: ScopeSet?) throws(OAuthError) -> ScopeSet {
        let defined = Set(servers.flatMap(\.scopes).map { Scope(rawValue: $0.name) })
        guard let raw, !raw.isEmpty else {
            // A token with no scope at all is refused rather than issued (attacker's pass, issue 15).
            let scope = ScopeSet(granted.map { defined.intersection($0.scopes) } ?? defined)
            guard !scope.scopes.isEmpty else { throw OAuthError.invalidScope }
            return scope
        }
        let parts = raw.split(whereSeparator: { $0 == " " || $0 == "+" || $0 == "\t" || $0 == "," }).map { Scope(rawValue: String($0)) }
        guard !parts.isEmpty, parts.allSatisfy(defined.contains) else { throw OAuthError.invalidScope }
        return ScopeSet(parts)
    }
}
