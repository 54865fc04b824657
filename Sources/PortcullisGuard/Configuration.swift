public import AsyncHTTPClient
import Foundation
public import Logging

/// What a `PortcullisGuard` needs to know about the authorization server and about the API it protects.
public struct GuardConfiguration: Sendable {
    /// The authorization server's issuer, e.g. `http://127.0.0.1:8080`. Metadata is read from
    /// `{issuer}/.well-known/oauth-authorization-server` and its `issuer` must equal this string exactly (RFC 8414 §3.3),
    /// as must every token's `iss` (RFC 9068 §4).
    public var issuer: String
    /// This API's resource URI, e.g. `https://api.example.com/`: the audience a token must name (RFC 9068 §4, RFC 8707).
    public var resource: String
    /// The resource server's credentials (`rs_…` and its secret). With them the guard reads the revocation feed and
    /// can introspect; without them it checks signatures and claims only.
    public var clientID: String?
    public var clientSecret: String?
    /// The JWS algorithms accepted. Only RS256 and ES256 are supported; `none` and HS* are refused at start whatever this
    /// says (RFC 9068 §4: the resource server must not accept `none`; an HMAC "key" would be the public key).
    public var allowedAlgorithms: Set<String>
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    public var leeway: Duration
    /// How often metadata and the JWKS are read again.
    public var keyRefreshInterval: Duration
    /// A token naming an unknown `kid` makes the guard read the JWKS at once, but no more often than this, so a flood of
    /// made-up `kid`s cannot make it hammer the authorization server.
    public var unknownKeyRefetchInterval: Duration
    /// How often the revocation feed is polled. `nil` follows the server's `poll_interval` (1 s until it has said).
    public var feedPollInterval: Duration?
    /// When on (and credentials are set), every token that passes the local checks is also confirmed by introspection
    /// (RFC 7662); answers are cached for at most `introspectionCacheTTL` and never past the token's `exp`.
    public var useIntrospection: Bool
    public var introspectionCacheTTL: Duration
    /// Scopes listed in the protected resource metadata (RFC 9728 §2 `scopes_supported`).
    public var scopesSupported: [String]?
    /// The human-readable name in the protected resource metadata (RFC 9728 §2 `resource_name`).
    public var resourceName: String?
    /// The `realm` of challenges (RFC 6750 §3); the resource URI when nil.
    public var realm: String?
    /// Where this API serves its RFC 9728 metadata; derived from `resource` as RFC 9728 §3.1 says when nil.
    public var resourceMetadataURL: String?
    /// Timeout of each request to the authorization server.
    public var requestTimeout: Duration
    /// The client used to reach the authorization server; `HTTPClient.shared` when nil. An injected client stays
    /// the caller's to shut down.
    public var httpClient: HTTPClient?
    public var logger: Logger

    public init(
        issuer: String,
        resource: String,
        clientID: String? = nil,
        clientSecret: String? = nil,
        allowedAlgorithms: Set<String> = ["RS256", "ES256"],
        leeway: Duration = .seconds(5),
        keyRefreshInterval: Duration = .seconds(300),
        unknownKeyRefetchInterval: Duration = .seconds(10),
        feedPollInterval: Duration? = nil,
        useIntrospection: Bool = false,
        introspectionCacheTTL: Duration = .seconds(30),
        scopesSupported: [String]? = nil,
        resourceName: String? = nil,
        realm: String? = nil,
        resourceMetadataURL: String? = nil,
        requestTimeout: Duration = .seconds(10),
        httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "portcullis.guard")
    ) {
        self.issuer = issuer
        self.resource = resource
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.allowedAlgorithms = allowedAlgorithms
        self.leeway = leeway
        self.keyRefreshInterval = keyRefreshInterval
        self.unknownKeyRefetchInterval = unknownKeyRefetchInterval
        self.feedPollInterval = feedPollInterval
        self.useIntrospection = useIntrospection
        self.introspectionCacheTTL = introspectionCacheTTL
        self.scopesSupported = scopesSupported
        self.resourceName = resourceName
        self.realm = realm
        self.resourceMetadataURL = resourceMetadataURL
        self.requestTimeout = requestTimeout
        self.httpClient = httpClient
        self.logger = logger
    }
}

/// A configuration the guard cannot run with; thrown by `PortcullisGuard.init`.
public struct GuardConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The algorithms this guard can verify. Anything else in `allowedAlgorithms` is a configuration error.
let supportedAlgorithms: Set<String> = ["RS256", "ES256"]

/// RFC 9728 §3.1: the well-known suffix goes between the host and the path of the resource URI.
func protectedResourceMetadataURL(for resource: String) -> String {
    guard let schemeEnd = resource.range(of: "://") else {
        return resource + "/.well-known/oauth-protected-resource"
    }
    let afterScheme = resource[schemeEnd.upperBound...]
    let pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
    let origin = resource[..<pathStart]
    var path = String(afterScheme[pathStart...])
    if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<cut]) }
    while path.hasSuffix("/") { path.removeLast() }
    return origin + "/.well-known/oauth-protected-resource" + path
}
