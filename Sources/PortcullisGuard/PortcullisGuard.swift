import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
public import PortcullisWire
import Synchronization

/// Checks Portcullis access tokens (RFC 9068 JWTs) for one API.
///
/// Make one per process, run `run()` beside the server (it loads metadata and keys and polls the revocation feed), and
/// call `verify(_:requiredScopes:)` with each request's `Authorization` value. Verification needs no network once keys
/// are loaded; the background loops keep keys and revocations fresh.
public final class PortcullisGuard: Sendable {
    public let configuration: GuardConfiguration
    /// The `realm` of challenges.
    public let realm: String
    /// Where this API's RFC 9728 metadata is served.
    public let resourceMetadataURL: String

    private let logger: Logger
    private let allowed: Set<String>
    /// `configuration.leeway` in seconds.
    private let leeway: Double
    private let credentials: String?
    private let state = Mutex(State())
    private let stopSignal: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    private struct State {
        var metadata: AuthorizationServerMetadata?
        var keys: [String: VerificationKey] = [:]
        var keysLoadedOnce = false
        var keyFetch: Task<Void, Never>?
        var lastUnknownKeyFetch: ContinuousClock.Instant?
        var revocations = RevocationSet()
        var feedSynced = false
        /// The feed answered 401: the resource server was deleted or its secret rotated. Until it answers again, no
        /// token is accepted, since revocations can no longer be followed (second attacker's pass, issue 15).
        var feedRefused = false
        /// The workspace the feed says the resource server belongs to; tokens of any other are refused.
        var workspace: String?
        var introspections: [String: IntrospectionEntry] = [:]
        /// Tokens whose signature, issuer and audience were checked, by the whole `Authorization` value that carried
        /// them: a token is parsed and checked once, not per request (the dates, revocation, introspection and scopes
        /// still are). Only a value that passed every check is stored, so a hit needs no parsing. Emptied when full.
        var verified: [String: VerifiedToken] = [:]
        var stopped = false
    }

    /// What a verified token's signature vouched for, kept until it expires.
    private struct VerifiedToken {
        let claims: AccessTokenClaims
        let kid: String
        let sub: String
        let clientID: String
        let jti: String
        let exp: Double
        let iat: Double
        /// `scope` and `scopes` together, computed once rather than per request.
        let scopes: Set<String>
    }

    /// At most this many verified tokens are kept; a flood of distinct tokens costs a re-check each, never memory.
    private static let verifiedCapacity = 10_000

    private enum IntrospectionEntry {
        case pending(Task<IntrospectionOutcome, Never>)
        case done(IntrospectionOutcome, until: ContinuousClock.Instant)
    }

    private enum IntrospectionOutcome: Sendable {
        case active
        case inactive
        case failed(String)
    }

    /// - Throws: `GuardConfigurationError` when the configuration cannot work (an unsupported algorithm, a client id
    ///   without a secret, introspection without credentials, …).
    public init(configuration: GuardConfiguration) throws(GuardConfigurationError) {
        guard let issuerURL = URL(string: configuration.issuer), let scheme = issuerURL.scheme?.lowercased(), scheme == "https" || scheme == "http",
            issuerURL.host != nil
        else { throw GuardConfigurationError("the issuer must be an http(s) URL") }
        guard !configuration.resource.isEmpty else { throw GuardConfigurationError("the resource URI is required") }
        guard !configuration.allowedAlgorithms.isEmpty, configuration.allowedAlgorithms.isSubset(of: supportedAlgorithms) else {
            throw GuardConfigurationError("allowed algorithms must be a non-empty subset of RS256, ES256")
        }
        // Portcullis keeps a revocation in its feed five minutes past the token's expiry; a longer leeway would let a
        // revoked token back in once the row has gone.
        guard configuration.leeway >= .zero, configuration.leeway <= .seconds(300) else {
            throw GuardConfigurationError("the leeway must be between 0 and 300 seconds")
        }
        switch (configuration.clientID, configuration.clientSecret) {
        case (.some(let id), .some(let secret)):
            // RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
            let pair = formEncode(id) + ":" + formEncode(secret)
            credentials = "Basic " + Data(pair.utf8).base64EncodedString()
        case (.none, .none):
            credentials = nil
        default:
            throw GuardConfigurationError("client id and client secret go together")
        }
        if configuration.useIntrospection && credentials == nil {
            throw GuardConfigurationError("introspection needs the resource server's client id and secret")
        }
        self.configuration = configuration
        self.allowed = configuration.allowedAlgorithms
        let leeway = configuration.leeway.components
        self.leeway = Double(leeway.seconds) + Double(leeway.attoseconds) / 1e18
        self.logger = configuration.logger
        self.realm = configuration.realm ?? configuration.resource
        self.resourceMetadataURL = configuration.resourceMetadataURL ?? protectedResourceMetadataURL(for: configuration.resource)
        (stopSignal, stopContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    private var client: HTTPClient { configuration.httpClient ?? HTTPClient.shared }

    // MARK: Background work

    /// Loads metadata and keys, then keeps them fresh and polls the revocation feed until the task is cancelled or
    /// `shutdown()` is called. Failures are logged and retried; they never end the loop.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keyLoop() }
            if credentials != nil { group.addTask { await self.feedLoop() } }
            group.addTask { for await _ in self.stopSignal {} }
            // The first child to end is the stop signal (or all end on cancellation); the loops then stop too.
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Ends `run()`. Verification goes on with what was loaded.
    public func shutdown() {
        state.withLock { $0.stopped = true }
        stopContinuation.finish()
    }

    private func keyLoop() async {
        var retry = Duration.milliseconds(500)
        while !Task.isCancelled {
            await refreshKeys()
            let loaded = state.withLock { $0.keysLoadedOnce }
            // Until keys have loaded once, try again soon (with backoff); after, at the configured interval.
            let wait = loaded ? configuration.keyRefreshInterval : retry
            retry = min(retry * 2, min(configuration.keyRefreshInterval, .seconds(30)))
            do { try await Task.sleep(for: wait) } catch { return }
        }
    }

    private func feedLoop() async {
        var cursor: String?
        var failures = 0
        var serverInterval = Duration.seconds(1)
        while !Task.isCancelled {
            var interval = configuration.feedPollInterval ?? serverInterval
            if let endpoint = state.withLock({ $0.metadata?.revocationFeedEndpoint }) {
                do {
                    let page = try await fetchFeed(endpoint, cursor: cursor)
                    state.withLock { $0.feedRefused = false }
                    apply(page, full: cursor == nil)
                    cursor = page.cursor
                    failures = 0
                    if page.pollInterval > 0 { serverInterval = .seconds(page.pollInterval) }
                    interval = configuration.feedPollInterval ?? serverInterval
                } catch {
                    failures += 1
                    if error is CredentialsRefused {
                        // Deleted or rotated: every token is refused (503) until the credentials work again. Starting
                        // over without a cursor then reads every revocation in force, those made meanwhile included.
                        state.withLock { $0.feedRefused = true }
                        cursor = nil
                        logger.error("the authorization server refuses this resource server's credentials; refusing every token until it accepts them")
                    } else {
                        logger.warning("revocation feed poll failed; keeping the revocations known so far", metadata: ["error": "\(error)"])
                    }
                    // Back off (1×, 2×, 4×, … the interval, at most 30 s) so an outage is not hammered; known
                    // revocations stay in force meanwhile.
                    interval = min(interval * (1 << min(failures, 5)), .seconds(30))
                }
            } else if state.withLock({ $0.metadata != nil }) {
                logger.warning("the authorization server's metadata has no revocation_feed_endpoint")
                interval = configuration.keyRefreshInterval
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    private func apply(_ page: RevocationFeedPage, full: Bool) {
        // A row lasts as long as the token it names is accepted here: until its `expires_at` (the token's `exp`) plus
        // the leeway; dropped at `expires_at`, a revoked token came back to life for the leeway (second attacker's pass).
        let now = Int64(Date().timeIntervalSince1970) - Int64(leeway.rounded(.up))
        var unknown = 0
        state.withLock { state in
            // Without a cursor the page is every revocation still in force, so it replaces what was known.
            if full { state.revocations = RevocationSet() }
            for entry in page.revocations where !state.revocations.apply(entry, now: now) { unknown += 1 }
            state.revocations.prune(now: now)
            if let workspace = page.workspace { state.workspace = workspace }
            state.feedSynced = true
        }
        if unknown > 0 { logger.error("revocation feed rows of an unknown kind or format were ignored", metadata: ["count": "\(unknown)"]) }
    }

    /// Reads metadata and the JWKS, one fetch at a time: callers arriving while one runs wait for it.
    private func refreshKeys() async {
        let task = state.withLock { state -> Task<Void, Never> in
            if let running = state.keyFetch { return running }
            let task = Task { await self.fetchKeys() }
            state.keyFetch = task
            return task
        }
        await task.value
        state.withLock { state in
            if state.keyFetch == task { state.keyFetch = nil }
        }
    }

    private func fetchKeys() async {
        do {
            let metadata = try await fetchMetadata()
            guard let jwksURL = URL(string: metadata.jwksURI), jwksURL.scheme != nil else {
                throw FetchError("the metadata's jwks_uri is not a URL")
            }
            state.withLock { $0.metadata = metadata }
            let body = try await get(metadata.jwksURI, authorization: nil)
            let set = try JSONDecoder().decode(PublishedKeySet.self, from: body)
            let (keys, skipped) = await KeyLoader.load(set)
            if !skipped.isEmpty { logger.warning("JWKS keys skipped", metadata: ["keys": "\(skipped)"]) }
            guard !keys.isEmpty else { throw FetchError("the JWKS holds no usable key") }
            // The set replaces the old one: a key the server no longer publishes is no longer trusted.
            state.withLock { state in
                state.keys = keys
                state.keysLoadedOnce = true
            }
            logger.debug("JWKS loaded", metadata: ["kids": "\(keys.keys.sorted())"])
        } catch {
            // Keep what was loaded: an outage must not stop tokens signed with known keys from verifying.
            logger.warning("could not refresh the authorization server's keys; keeping the known ones", metadata: ["error": "\(error)"])
        }
    }

    private func fetchMetadata() async throws -> AuthorizationServerMetadata {
        var base = configuration.issuer
        while base.hasSuffix("/") { base.removeLast() }
        let body = try await get(base + "/.well-known/oauth-authorization-server", authorization: nil)
        let metadata = try JSONDecoder().decode(AuthorizationServerMetadata.self, from: body)
        // RFC 8414 §3.3: the issuer in the document must be the one asked for, character for character.
        guard metadata.issuer == configuration.issuer else { throw FetchError("the metadata's issuer is not the configured issuer") }
        return metadata
    }

    private func fetchFeed(_ endpoint: String, cursor: String?) async throws -> RevocationFeedPage {
        var url = endpoint
        if let cursor {
            url += (url.contains("?") ? "&" : "?") + "cursor=" + formEncode(cursor)
        }
        let body = try await get(url, authorization: credentials)
        return try JSONDecoder().decode(RevocationFeedPage.self, from: body)
    }

    private func get(_ url: String, authorization: String?) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws -> Data {
        let response = try await client.execute(request, timeout: .init(configuration.requestTimeout))
        let body = try await response.body.collect(upTo: 4 << 20)
        guard response.status == .ok else {
            if response.status == .unauthorized { throw CredentialsRefused() }
            throw FetchError("HTTP \(response.status.code)")
        }
        return Data(body.readableBytesView)
    }

    // MARK: Verification

    /// Checks one request's `Authorization` value and answers who it is for.
    ///
    /// Checks, in order: with credentials, that the feed has answered and accepts them (else 503); `Bearer` and one
    /// token (RFC 6750 §2.1); a compact JWS; `typ` `at+jwt` (RFC 9068 §2.1, so an ID token is refused); `alg` allowed;
    /// `kid` known (an unknown one makes the guard read the JWKS, rate-limited); the signature; `iss` is the issuer and
    /// `aud` holds the resource (RFC 9068 §4, RFC 8707); the `workspace` claim is the one the feed names; `exp`, `nbf`,
    /// `iat` with leeway; not revoked per the feed; introspection when configured (RFC 7662); then `requiredScopes` ⊆
    /// the token's scopes. A header seen before skips the parse and the signature. Nothing of the token is logged.
    public func verify(_ authorization: String?, requiredScopes: Set<String> = []) async throws(GuardError) -> Principal {
        guard let authorization else { throw .missingToken }
        // A value seen before skips the parse and the signature, as long as its key is still published (a key withdrawn
        // from the JWKS takes its tokens along); the revocation set is read under the same lock.
        let following = credentials != nil
        let (cached, revokedBy, refused, workspace) = state.withLock { state -> (VerifiedToken?, String?, String?, String?) in
            // With credentials the guard follows the feed: until it has answered, and while it refuses the
            // credentials, no token is accepted (its revocations could not be known).
            let refused = !following ? nil : state.feedRefused ? Self.refusedCredentials : !state.feedSynced ? Self.notSynced : nil
            guard let hit = state.verified[authorization], state.keys[hit.kid] != nil else { return (nil, nil, refused, state.workspace) }
            return (hit, state.revocations.revocation(of: hit.claims), refused, state.workspace)
        }
        if let refused { throw .unavailable(refused) }
        let verified: VerifiedToken
        let revocation: String?
        if let cached {
            (verified, revocation) = (cached, revokedBy)
        } else {
            let token = try bearerToken(from: authorization).get()
            verified = try await verifySignedClaims(token)
            revocation = state.withLock { state in
                if state.verified.count >= Self.verifiedCapacity { state.verified.removeAll(keepingCapacity: true) }
                state.verified[authorization] = verified
                return state.revocations.revocation(of: verified.claims)
            }
        }
        let claims = verified.claims
        let (sub, clientID, jti, exp, iat) = (verified.sub, verified.clientID, verified.jti, verified.exp, verified.iat)
        // Every workspace shares the issuer; the resource server's own workspace (from the feed) tells its tokens from
        // another workspace's for the same URI, one deleted there and registered here (second attacker's pass).
        if let workspace, claims.workspace != workspace { throw .invalidToken("the token is for another workspace") }

        let now = Date().timeIntervalSince1970
        guard now <= exp + leeway else {
            state.withLock { _ = $0.verified.removeValue(forKey: authorization) }
            throw .invalidToken("the token has expired")
        }
        if let nbf = claims.nbf, nbf > now + leeway { throw .invalidToken("the token is not valid yet") }
        guard iat <= now + leeway else { throw .invalidToken("the token was issued in the future") }

        if let kind = revocation {
            throw .invalidToken(kind == "token" ? "the token has been revoked" : "the token has been revoked (\(kind))")
        }
        if configuration.useIntrospection {
            let token = try bearerToken(from: authorization).get()
            switch await introspect(token, jti: jti, exp: exp) {
            case .active: break
            case .inactive: throw .invalidToken("the token is not active")
            case .failed(let why): throw .unavailable(why)
            }
        }

        guard requiredScopes.isSubset(of: verified.scopes) else { throw .insufficientScope(required: requiredScopes) }
        return Principal(
            subject: sub, clientID: clientID, scopes: verified.scopes, workspace: claims.workspace, tokenID: jti, grantID: claims.gid,
            expiresAt: Date(timeIntervalSince1970: exp), isClientToken: sub == clientID)
    }

    static let notSynced = "the revocation feed has not answered yet"
    static let refusedCredentials =
        "the authorization server refuses this resource server's credentials (deleted, or its secret rotated), so revocations cannot be followed"

    /// The checks that depend on the token alone: its form, header, key, signature, claims, issuer and audience.
    private func verifySignedClaims(_ token: String) async throws(GuardError) -> VerifiedToken {
        guard let jws = CompactToken(token) else { throw .invalidToken("the token is not a well-formed JWT") }

        // RFC 9068 §4: the resource server must check typ is at+jwt (media types compare case-insensitively).
        let typ = jws.header.typ?.lowercased()
        guard typ == "at+jwt" || typ == "application/at+jwt" else { throw .invalidToken("the token is not an access token (typ)") }
        guard let alg = jws.header.alg, allowed.contains(alg) else { throw .invalidToken("the token's algorithm is not accepted") }
        // RFC 7515 §4.1.11: an extension the guard does not understand must not be ignored.
        if jws.header.crit != nil { throw .invalidToken("the token has critical header parameters") }
        guard let kid = jws.header.kid, !kid.isEmpty else { throw .invalidToken("the token names no signing key") }

        let key = try await key(for: kid)
        guard key.algorithm == alg else { throw .invalidToken("the token's algorithm does not fit its key") }
        let good = (try? key.verifier.verify(jws.signature, signs: Array(jws.signingInput.utf8))) ?? false
        guard good else { throw .invalidToken("the token's signature is not valid") }

        guard let claims = try? JSONDecoder().decode(AccessTokenClaims.self, from: jws.payload) else {
            throw .invalidToken("the token's claims are not readable")
        }
        guard let sub = claims.sub, let clientID = claims.clientID, let jti = claims.jti, let exp = claims.exp, let iat = claims.iat else {
            throw .invalidToken("the token lacks a required claim")
        }
        guard claims.iss == configuration.issuer else { throw .invalidToken("the token is from another issuer") }
        guard let aud = claims.aud, aud.contains(configuration.resource) else { throw .invalidToken("the token is not meant for this resource") }
        return VerifiedToken(claims: claims, kid: kid, sub: sub, clientID: clientID, jti: jti, exp: exp, iat: iat, scopes: claims.allScopes)
    }

    /// `verify` as a `Result`, for callers that prefer one.
    public func check(_ authorization: String?, requiredScopes: Set<String> = []) async -> Result<Principal, GuardError> {
        do throws(GuardError) {
            return .success(try await verify(authorization, requiredScopes: requiredScopes))
        } catch {
            return .failure(error)
        }
    }

    private func key(for kid: String) async throws(GuardError) -> VerificationKey {
        if let key = state.withLock({ $0.keys[kid] }) { return key }
        // An unknown kid may be a key just rotated in: read the JWKS at once, but at most once per
        // `unknownKeyRefetchInterval`, and join a read already under way.
        let fetch = state.withLock { state -> Bool in
            if state.keyFetch != nil { return true }
            let now = ContinuousClock.now
            if let last = state.lastUnknownKeyFetch, now - last < configuration.unknownKeyRefetchInterval { return false }
            state.lastUnknownKeyFetch = now
            return true
        }
        if fetch { await refreshKeys() }
        let (key, loaded) = state.withLock { ($0.keys[kid], $0.keysLoadedOnce) }
        if let key { return key }
        guard loaded else { throw .unavailable("the authorization server's keys have not been loaded") }
        throw .invalidToken("the token is signed with an unknown key")
    }

    // MARK: Introspection (RFC 7662)

    private func introspect(_ token: String, jti: String, exp: Double) async -> IntrospectionOutcome {
        let now = ContinuousClock.now
        let task = state.withLock { state -> Task<IntrospectionOutcome, Never>? in
            switch state.introspections[jti] {
            case .pending(let task): return task
            case .done(_, let until) where until > now: return nil
            default:
                let task = Task { await self.callIntrospection(token) }
                state.introspections[jti] = .pending(task)
                return task
            }
        }
        guard let task else {
            if case .done(let outcome, _) = state.withLock({ $0.introspections[jti] }) { return outcome }
            return .failed("introspection cache race")
        }
        let outcome = await task.value
        // Cache no longer than the TTL and never past the token's exp; a failure is not cached.
        let secondsLeft = max(0, exp - Date().timeIntervalSince1970)
        let ttl = min(configuration.introspectionCacheTTL, .milliseconds(Int64(secondsLeft * 1000)))
        state.withLock { state in
            guard case .pending(let stored) = state.introspections[jti], stored == task else { return }
            if case .failed = outcome {
                state.introspections[jti] = nil
            } else {
                state.introspections[jti] = .done(outcome, until: ContinuousClock.now + ttl)
            }
            if state.introspections.count > 10_000 {
                let now = ContinuousClock.now
                state.introspections = state.introspections.filter { entry in
                    if case .done(_, let until) = entry.value { return until > now }
                    return true
                }
            }
        }
        return outcome
    }

    private func callIntrospection(_ token: String) async -> IntrospectionOutcome {
        guard let credentials, let endpoint = state.withLock({ $0.metadata?.introspectionEndpoint }) else {
            return .failed("the authorization server offers no introspection")
        }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: credentials)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "token=" + formEncode(token)))
        do {
            let answer = try JSONDecoder().decode(IntrospectionResponse.self, from: try await send(request))
            // The server says active only for a live token whose aud holds this resource; check aud anyway.
            if answer.active, answer.aud.map({ $0.contains(configuration.resource) }) ?? true { return .active }
            return .inactive
        } catch {
            logger.warning("introspection failed", metadata: ["error": "\(error)"])
            return .failed("the authorization server could not confirm the token")
        }
    }

    // MARK: Describing the resource

    /// This API's OAuth 2.0 Protected Resource Metadata (RFC 9728 §2), to serve at `resourceMetadataURL`.
    public var protectedResourceMetadata: ProtectedResourceMetadata {
        ProtectedResourceMetadata(
            resource: configuration.resource, authorizationServers: [configuration.issuer], scopesSupported: configuration.scopesSupported,
            bearerMethodsSupported: ["header"], resourceName: configuration.resourceName)
    }

    /// The `WWW-Authenticate` value for a refusal (RFC 6750 §3, with RFC 9728 §5.1 `resource_metadata`); nil for
    /// `.unavailable`, which is not a challenge.
    public func wwwAuthenticate(for error: GuardError) -> String? {
        Challenge.bearer(error, realm: realm, resourceMetadata: resourceMetadataURL)
    }

    /// Whether tokens can be checked: keys loaded at least once and, with credentials, the revocation feed read at
    /// least once (before that every token is refused with 503). For readiness checks.
    public var isReady: Bool {
        let following = credentials != nil
        return state.withLock { $0.keysLoadedOnce && (!following || $0.feedSynced) }
    }

    /// Whether the revocation feed has answered at least once.
    public var isRevocationFeedSynced: Bool { state.withLock { $0.feedSynced } }

    /// The `kid`s currently trusted.
    public var knownKeyIDs: Set<String> { state.withLock { Set($0.keys.keys) } }
}

struct FetchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The authorization server answered 401 to the resource server's credentials.
struct CredentialsRefused: Error, CustomStringConvertible {
    var description: String { "the authorization server refused the resource server's credentials (401)" }
}

/// application/x-www-form-urlencoded (keeps unreserved characters, percent-encodes the rest).
func formEncode(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    // CharacterSet.alphanumerics includes non-ASCII letters; restrict to ASCII.
    return value.unicodeScalars.map { scalar -> String in
        if scalar.isASCII, allowed.contains(scalar) { return String(scalar) }
        return String(scalar).utf8.map { String(format: "%%%02X", $0) }.joined()
    }.joined()
}
