/// What the authorize endpoint hands back to the browser: either a page (no redirect is safe) or a redirect to
/// the client with a result.
public enum AuthorizationRejection: Error, Sendable, Equatable {
    /// RFC 6749 §4.1.2.1: the client is unknown or the redirect URI is missing, unregistered or invalid. The
    /// user sees an error page; nothing is sent to any redirect URI.
    case showError(OAuthError)
    /// Every other error goes back to the client's redirect URI (in the fragment for implicit), but only to a
    /// signed-in user: see `mustSignInFirst`.
    case redirect(to: String, error: OAuthError, state: String?, useFragment: Bool)

    /// RFC 9700 §4.11.2: the server authenticates the user before it redirects an error to a client, so that whoever
    /// can register a client cannot use the authorization endpoint as a redirector. True when this rejection would
    /// redirect and nobody is signed in: then the browser goes to the login page first (and comes back to the same
    /// request). Error pages, which redirect nowhere, are shown to anyone.
    public func mustSignInFirst(userIsSignedIn: Bool) -> Bool {
        guard case .redirect = self else { return false }
        return !userIsSignedIn
    }
}

/// An authorization request that passed every check: who asks, for what, and where the answer goes.
public struct ValidatedAuthorizationRequest: Sendable, Equatable {
    public enum ResponseType: String, Sendable { case code, token }

    public let client: OAuthClient
    public let responseType: ResponseType
    /// The redirect URI the answer goes to.
    public let redirectURI: String
    /// Whether the request named the redirect URI (then the token request must repeat it, RFC 6749 §4.1.3).
    public let redirectURIWasSent: Bool
    /// The resources (RFC 8707 §2.1) and scope asked for.
    public let target: TokenTarget
    public var scope: ScopeSet { target.scope }
    public let state: String?
    /// An S256 challenge, when the client sent one.
    public let codeChallenge: String?

    /// The parameters to carry through the consent form, so the POST can be validated afresh.
    public var parameters: [(String, String)] {
        var fields: [(String, String)] = [("response_type", responseType.rawValue), ("client_id", client.clientID)]
        if redirectURIWasSent { fields.append(("redirect_uri", redirectURI)) }
        fields.append(("scope", scope.description))
        // One field per resource: the consent POST is parsed like any request (RFC 8707 §2's repeated parameter).
        for resource in target.resources { fields.append(("resource", resource)) }
        if let state { fields.append(("state", state)) }
        if let codeChallenge {
            fields.append(("code_challenge", codeChallenge))
            fields.append(("code_challenge_method", "S256"))
        }
        return fields
    }
}

extension AuthorizationServer {
    /// The parameters the authorize endpoint reads (RFC 6749 §4.1.1, §4.2.1, RFC 7636 §4.3).
    public static let authorizationParameters: Set<String> = [
        "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method",
    ]

    /// Validates an authorization request in the order of RFC 6749 §4.1.2.1: first the client and the redirect
    /// URI, whose failures must never redirect; then everything else, whose failures go back to the client.
    /// `repeated` names parameters that appeared more than once.
    public func validateAuthorization(_ parameters: [String: String], repeated: Set<String>, in workspace: Workspace) async throws
        -> ValidatedAuthorizationRequest
    {
        func value(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : $0 } }
        if repeated.contains("client_id") || repeated.contains("redirect_uri") {
            throw AuthorizationRejection.showError(.invalidRequest("client_id and redirect_uri may appear only once"))
        }
        guard let clientID = value("client_id") else {
            throw AuthorizationRejection.showError(.invalidRequest("The client_id parameter is missing"))
        }
        guard let client = try await clients.client(clientID: clientID, workspaceID: workspace.id) else {
            throw AuthorizationRejection.showError(.invalidRequest("There is no application with this client_id"))
        }
        let sentRedirect = value("redirect_uri")
        guard let redirectURI = RedirectURIPolicy.resolve(sentRedirect, registered: client.redirectURIs) else {
            // Seed 000's row: "No redirect URL was supplied or stored".
            throw AuthorizationRejection.showError(.invalidRedirectURI)
        }

        let responseType = value("response_type")
        let useFragment = responseType == "token"
        let state = parameters["state"]
        func reject(_ error: OAuthError) -> AuthorizationRejection {
            .redirect(to: redirectURI, error: error, state: state, useFragment: useFragment)
        }
        if let name = repeated.first(where: Self.authorizationParameters.contains) {
            throw reject(.invalidRequest("The \(name) parameter was sent more than once"))
        }
        guard let responseType else { throw reject(.invalidRequest("The response_type parameter is missing")) }
        let kind: ValidatedAuthorizationRequest.ResponseType
        switch responseType {
        case "code":
            guard client.grants.contains(.authorizationCode) else {
                throw reject(.unauthorizedClient("The client is not allowed to use the authorization code grant"))
            }
            kind = .code
        case "token":
            // Implicit is off unless the client has it switched on (OAuth 2.1 drops it; seed 000 documents it).
            guard client.grants.contains(.implicit) else {
                throw reject(.unauthorizedClient("The client is not allowed to use the implicit grant"))
            }
            kind = .token
        default:
            throw reject(.unsupportedResponseType("The response type \"\(responseType.prefix(40))\" is not supported"))
        }
        let target: TokenTarget
        do {
            target = try resources.target(resources: value("resource"), scope: value("scope"), in: workspace.id)
        } catch {
            throw reject(error)
        }

        var challenge: String?
        if kind == .code {
            let method = value("code_challenge_method")
            if let sent = value("code_challenge") {
                // RFC 7636 §4.3 defaults the method to plain; plain is refused, so the method must say S256.
                guard method == "S256" else {
                    throw reject(.invalidRequest("Only the S256 code_challenge_method is supported; plain is refused"))
                }
                guard PKCE.isValidS256Challenge(sent) else {
                    throw reject(.invalidRequest("The code_challenge is not a valid S256 challenge"))
                }
                challenge = sent
            } else if method != nil {
                throw reject(.invalidRequest("code_challenge_method was sent without a code_challenge"))
            } else if !client.isConfidential {
                // OAuth 2.1 §4.1.1: public clients must use PKCE.
                throw reject(.invalidRequest("PKCE (code_challenge with S256) is required for public clients"))
            }
        }
        return ValidatedAuthorizationRequest(
            client: client, responseType: kind, redirectURI: redirectURI, redirectURIWasSent: sentRedirect != nil, target: target,
            state: state, codeChallenge: challenge)
    }
}
