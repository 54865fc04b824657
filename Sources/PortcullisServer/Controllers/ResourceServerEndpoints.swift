import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// What resource servers call (issue 15), once per dialect: the revocation feed (`GET …/revocations`, with the
/// resource server's Basic credentials) on the OAuth surface, and the nginx `auth_request` check (`GET …/check`) on the
/// API surface, whose errors carry RFC 6750's challenge.
struct ResourceServerEndpoints {
    let portcullis: Portcullis

    /// How often a guard should poll the feed, in seconds: the revocation promise is "within a couple of seconds".
    static let pollInterval = 1

    func addFeed(to router: some RouterMethods<WorkspaceRequestContext>, dialect: any Dialect) {
        router.get(RouterPath("\(dialect.oauthPrefix)/revocations")) { request, context in
            guard let basic = try BasicAuthorization.parse(request.headers[.authorization]) else { throw OAuthError.invalidClient }
            // Without a workspace in the path, the credentials name it (an API of any workspace polls the one feed its
            // guard finds in the metadata; second attacker's pass).
            let resource = try await portcullis.authorizationServer.authenticateResourceServer(
                basic, in: dialect.pathNamesWorkspace ? context.workspace : nil, address: portcullis.clientAddress(request, context))
            var since: Int64?
            if let cursor = request.uri.queryParameters["cursor"] {
                guard cursor.utf8.count <= 18, cursor.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int64(cursor) else {
                    throw OAuthError.invalidRequest("The cursor is not one this server gave")
                }
                since = value
            }
            let feed = try await portcullis.authorizationServer.revocationFeed(for: resource, since: since)
            let page = RevocationFeedPage(
                revocations: feed.revocations.map {
                    RevocationFeedEntry(kind: $0.kind.rawValue, value: $0.value, revokedAt: $0.revokedAt, expiresAt: $0.expiresAt)
                },
                cursor: String(feed.cursor), pollInterval: Self.pollInterval, workspace: feed.workspace.name)
            return Responses.json(page, headers: Responses.noStore)
        }
    }

    /// nginx sends the original request's `Authorization` header, and says which API it guards and what the location
    /// needs in `X-Portcullis-Resource` and `X-Portcullis-Scope` (deploy/nginx-guard.conf). 200 carries who is calling.
    func addCheck(to router: some RouterMethods<WorkspaceRequestContext>, dialect: any Dialect) {
        router.get(RouterPath("\(dialect.oauthPrefix)/check")) { request, context in
            guard let resource = request.headers[.portcullisResource], !resource.isEmpty else {
                throw APIError.badRequest("Send the resource server's URI in X-Portcullis-Resource")
            }
            var required: [Scope] = []
            for name in (request.headers[.portcullisScope] ?? "").split(separator: " ") {
                guard Scope.isValidToken(name) else { throw APIError.badRequest("X-Portcullis-Scope holds an invalid scope") }
                required.append(Scope(rawValue: String(name)))
            }
            guard let token = BearerAuthenticator.bearerToken(request.headers[.authorization]) else { throw APIError.missingToken }
            let claims: AccessTokenClaims
            do {
                claims = try portcullis.authorizationServer.checkResourceToken(
                    token, resource: resource, requiring: required, in: context.workspace)
            } catch OAuthError.insufficientScope(let scope) {
                throw APIError.insufficientScope(scope)
            } catch let error as OAuthError where error == .invalidToken || error == .expiredToken {
                throw APIError.invalidToken(error)
            } catch OAuthError.invalidRequest(let message) {
                throw APIError.badRequest(message)
            }
            var headers: HTTPFields = [:]
            headers[.portcullisSubject] = claims.subject
            headers[.portcullisClient] = claims.clientID
            headers[.portcullisScopes] = claims.scope
            headers[.portcullisWorkspace] = context.workspace.name
            // nginx may cache a positive answer (deploy/nginx-guard.conf keys it by token, API and scope): a second at
            // most, so a revocation stops the token there within about two seconds, and never past the token's expiry.
            // The clock counts whole seconds, so a token with `exp - now == 1` may have a fraction of a second left.
            headers[.cacheControl] = "max-age=\(max(0, min(1, claims.expiresAt - portcullis.clock.now() - 1)))"
            return Response(status: .ok, headers: headers)
        }
    }
}

extension HTTPField.Name {
    static let portcullisResource = Self("X-Portcullis-Resource")!
    static let portcullisScope = Self("X-Portcullis-Scope")!
    static let portcullisSubject = Self("X-Portcullis-Subject")!
    static let portcullisClient = Self("X-Portcullis-Client")!
    static let portcullisScopes = Self("X-Portcullis-Scopes")!
    static let portcullisWorkspace = Self("X-Portcullis-Workspace")!
}
