/// One grant of the token endpoint (RFC 6749 §4, §6): it reads its own parameters from the request and issues
/// tokens, or throws the `OAuthError` of the first rule it breaks. The server has already checked the `grant_type`
/// and authenticated the client. A grant that needs storage of its own is built with that repository.
public protocol TokenGrant: Sendable {
    /// The `grant_type` value it serves; the `GrantTable` row with this `grantType` describes it.
    var grantType: String { get }
    func issue(_ request: TokenRequest, client: AuthenticatedClient, in workspace: Workspace, server: AuthorizationServer) async throws
        -> IssuedTokens
}
