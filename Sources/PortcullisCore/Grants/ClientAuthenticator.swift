/// How a client proved who it is at the token endpoint.
public enum ClientAuthenticationMethod: String, Sendable {
    /// RFC 6749 §2.3.1, HTTP Basic (`client_secret_basic`).
    case basic = "client_secret_basic"
    /// RFC 6749 §2.3.1, `client_id` and `client_secret` in the body (`client_secret_post`).
    case post = "client_secret_post"
    /// A public client that sent only its `client_id` (RFC 6749 §3.2.1).
    case none
}

/// A client whose credentials checked out.
public struct AuthenticatedClient: Sendable {
    public let client: OAuthClient
    public let method: ClientAuthenticationMethod
}

/// Finds and authenticates the client of a token request.
public struct ClientAuthenticator: Sendable {
    let clients: any ClientRepository
    let secrets: ClientSecretHasher

    public init(clients: any ClientRepository, secrets: ClientSecretHasher) {
        self.clients = clients
        self.secrets = secrets
    }

    /// RFC 6749 §2.3: one method per request. Basic together with a body secret, or a body `client_id`
    /// that differs from Basic's, is `invalid_request`. A body `client_id` equal to Basic's is tolerated,
    /// because common libraries send both.
    public func authenticate(_ request: TokenRequest, in workspace: Workspace) async throws -> AuthenticatedClient {
        let clientID: String
        let secret: String?
        let method: ClientAuthenticationMethod
        if let basic = request.basic {
            if request["client_secret"] != nil {
                throw OAuthError.invalidRequest("Client credentials were sent both in the Authorization header and in the body; use one")
            }
            if let bodyID = request["client_id"], bodyID != basic.clientID {
                throw OAuthError.invalidRequest("The client_id in the body does not match the Authorization header")
            }
            clientID = basic.clientID
            secret = basic.secret
            method = .basic
        } else if let bodyID = request["client_id"] {
            clientID = bodyID
            secret = request["client_secret"]
            method = secret == nil ? .none : .post
        } else {
            throw OAuthError.clientCredentialsMissing
        }

        let client = try await clients.client(clientID: clientID, workspaceID: workspace.id)
        guard let client else {
            // Spend the same HMAC an existing client would cost, so timing does not reveal which ids exist.
            _ = secrets.verify(secret ?? "", against: String(repeating: "0", count: 64))
            throw OAuthError.invalidClient
        }
        if client.isConfidential {
            guard let secret, let stored = client.secretHash, secrets.verify(secret, against: stored) else {
                throw OAuthError.invalidClient
            }
            return AuthenticatedClient(client: client, method: method)
        }
        // A public client has no secret; one that sends a secret anyway is misconfigured, not authenticated.
        guard secret == nil || secret?.isEmpty == true else { throw OAuthError.invalidClient }
        return AuthenticatedClient(client: client, method: .none)
    }
}
