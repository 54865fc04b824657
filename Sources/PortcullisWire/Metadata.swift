/// Authorization server metadata (RFC 8414 §2), listing exactly what the server serves.
public struct AuthorizationServerMetadata: Codable, Sendable, Equatable {
    public var issuer: String
    public var authorizationEndpoint: String?
    public var tokenEndpoint: String
    public var jwksURI: String
    public var scopesSupported: [String]
    public var responseTypesSupported: [String]
    public var responseModesSupported: [String]?
    public var grantTypesSupported: [String]
    public var tokenEndpointAuthMethodsSupported: [String]
    public var revocationEndpoint: String?
    public var revocationEndpointAuthMethodsSupported: [String]?
    public var introspectionEndpoint: String?
    public var introspectionEndpointAuthMethodsSupported: [String]?
    public var codeChallengeMethodsSupported: [String]?
    public var authorizationResponseIssParameterSupported: Bool?
    public var serviceDocumentation: String?
    /// Portcullis's revocation feed for resource servers (issue 15); RFC 8414 §2 allows further members.
    public var revocationFeedEndpoint: String?

    public init(
        issuer: String, authorizationEndpoint: String? = nil, tokenEndpoint: String, jwksURI: String,
        scopesSupported: [String], responseTypesSupported: [String], responseModesSupported: [String]? = nil,
        grantTypesSupported: [String], tokenEndpointAuthMethodsSupported: [String], revocationEndpoint: String? = nil,
        revocationEndpointAuthMethodsSupported: [String]? = nil, introspectionEndpoint: String? = nil,
        introspectionEndpointAuthMethodsSupported: [String]? = nil, codeChallengeMethodsSupported: [String]? = nil,
        authorizationResponseIssParameterSupported: Bool? = nil, serviceDocumentation: String? = nil, revocationFeedEndpoint: String? = nil
    ) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
        self.scopesSupported = scopesSupported
        self.responseTypesSupported = responseTypesSupported
        self.responseModesSupported = responseModesSupported
        self.grantTypesSupported = grantTypesSupported
        self.tokenEndpointAuthMethodsSupported = tokenEndpointAuthMethodsSupported
        self.revocationEndpoint = revocationEndpoint
        self.revocationEndpointAuthMethodsSupported = revocationEndpointAuthMethodsSupported
        self.introspectionEndpoint = introspectionEndpoint
        self.introspectionEndpointAuthMethodsSupported = introspectionEndpointAuthMethodsSupported
        self.codeChallengeMethodsSupported = codeChallengeMethodsSupported
        self.authorizationResponseIssParameterSupported = authorizationResponseIssParameterSupported
        self.serviceDocumentation = serviceDocumentation
        self.revocationFeedEndpoint = revocationFeedEndpoint
    }

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
        case scopesSupported = "scopes_supported"
        case responseTypesSupported = "response_types_supported"
        case responseModesSupported = "response_modes_supported"
        case grantTypesSupported = "grant_types_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case revocationEndpoint = "revocation_endpoint"
        case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
        case introspectionEndpoint = "introspection_endpoint"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
        case serviceDocumentation = "service_documentation"
        case revocationFeedEndpoint = "revocation_feed_endpoint"
    }
}

/// A JWK Set (RFC 7517 §5).
public struct JSONWebKeySet: Codable, Sendable, Equatable {
    public var keys: [[String: String]]
    public init(keys: [[String: String]]) { self.keys = keys }
}
