import Hummingbird
import PortcullisCore
import PortcullisWire

/// Metadata (RFC 8414), the JWK Set (RFC 7517), and the health route.
struct DiscoveryController {
    let portcullis: Portcullis

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/.well-known/oauth-authorization-server") { _, _ in Responses.json(try await metadata()) }
        router.get("/oauth/jwks") { _, _ in jwks() }
        router.get("/.well-known/jwks.json") { _, _ in jwks() }
        // The lightest route: the framework's ceiling in the benchmarks, and a liveness probe.
        router.get("/health") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(staticString: "{\"status\":\"ok\"}")))
        }
    }

    /// Exactly what this server serves.
    func metadata() async throws -> AuthorizationServerMetadata {
        let issuer = portcullis.configuration.resolvedIssuer
        return AuthorizationServerMetadata(
            issuer: issuer,
            authorizationEndpoint: "\(issuer)/oauth/authorize",
            tokenEndpoint: "\(issuer)/oauth/token",
            jwksURI: "\(issuer)/oauth/jwks",
            scopesSupported: try await scopesSupported(),
            responseTypesSupported: GrantTable.responseTypesSupported,
            responseModesSupported: ["query", "fragment"],
            grantTypesSupported: GrantTable.grantTypesSupported,
            tokenEndpointAuthMethodsSupported: ["client_secret_basic", "client_secret_post", "none"],
            revocationEndpoint: "\(issuer)/oauth/revoke",
            revocationEndpointAuthMethodsSupported: ["client_secret_basic", "client_secret_post", "none"],
            introspectionEndpoint: "\(issuer)/oauth/introspect",
            introspectionEndpointAuthMethodsSupported: ["client_secret_basic", "client_secret_post"],
            codeChallengeMethodsSupported: ["S256"],
            authorizationResponseIssParameterSupported: true,
            revocationFeedEndpoint: "\(issuer)/oauth/revocations"
        )
    }

    /// ProcessMaker's scopes, then the default workspace's resource servers' (whose tokens this issuer signs).
    private func scopesSupported() async throws -> [String] {
        let own = Scope.processMaker.map(\.rawValue)
        guard let workspace = try await portcullis.resolveWorkspace(named: Workspace.defaultName) else { return own }
        var seen = Set(own)
        return own + portcullis.resourceCatalog.scopes(in: workspace.id).map(\.name).filter { seen.insert($0).inserted }
    }

    func jwks() -> Response {
        let keys = portcullis.keyRing.published.map(\.publicJWK)
        // Short caching: a resource server that meets an unknown kid refetches within a minute at most.
        return Responses.json(JSONWebKeySet(keys: keys), headers: [.cacheControl: "public, max-age=60"])
    }
}
