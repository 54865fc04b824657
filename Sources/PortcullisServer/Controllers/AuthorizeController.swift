import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import PortcullisCore

/// The authorization endpoint (RFC 6749 §3.1) in both dialects: `GET /oauth/authorize` and
/// `GET /{workspace}/oauth2/authorize` show the login page or the consent screen; a POST to the same address
/// is the user's Accept or Deny.
struct AuthorizeController {
    let portcullis: Portcullis
    let views: Views

    func addRoutes(to pages: some RouterMethods<WorkspaceRequestContext>, dialect: any Dialect) {
        pages.get(RouterPath(dialect.oauthPrefix + "/authorize")) { request, context in try await show(request, context) }
        pages.post(RouterPath(dialect.oauthPrefix + "/authorize")) { request, context in try await decide(request, context) }
    }

    private var issuer: String { portcullis.configuration.resolvedIssuer }

    func show(_ request: Request, _ context: WorkspaceRequestContext) async throws -> Response {
        let workspace = context.workspace
        let (parameters, repeated) = request.queryWithRepeats
        let validated: ValidatedAuthorizationRequest
        do {
            validated = try await portcullis.authorizationServer.validateAuthorization(parameters, repeated: repeated, in: workspace)
        } catch let rejected as AuthorizationRejection where rejected.mustSignInFirst(userIsSignedIn: context.signedIn != nil) {
            return signInFirst(request, context)
        }
        guard let signedIn = context.signedIn else { return signInFirst(request, context) }
        if validated.client.skipsConsent {
            return try await approve(validated, user: signedIn.user, context: context)
        }
        // Seed 000: the consent screen is shown on every authorization.
        var page = portcullis.layoutContext(signedIn)
        page["clientName"] = validated.client.name
        if let website = validated.client.website { page["website"] = website }
        if let description = validated.client.description, !description.isEmpty { page["description"] = description }
        let catalog = portcullis.resourceCatalog
        page["scopes"] = validated.scope.sorted.map { ["name": $0.rawValue, "summary": catalog.summary(of: $0, in: workspace.id)] }
        // RFC 8707: which APIs the token will open, by the names their registrations gave.
        let apis = validated.target.resources.map { uri in ["name": catalog.server(uri: uri, in: workspace.id)?.name ?? uri, "uri": uri] }
        if !apis.isEmpty {
            page["resources"] = apis
            page["forResources"] = true
        }
        page["redirectHost"] = URLComponents(string: validated.redirectURI)?.host ?? validated.redirectURI
        page["action"] = context.dialect.concrete(context.dialect.oauthPrefix + "/authorize", workspace: workspace, context.parameters)
        // One screen, one decision (ConsentDecisions): the nonce is bound to this user, session and request; showing
        // the screen stores nothing.
        let nonce = portcullis.consentDecisions.open(for: signedIn.user, session: signedIn.session.csrfToken, request: validated)
        page["parameters"] = (validated.parameters + [("consent", nonce)]).map { ["name": $0.0, "value": $0.1] }
        return views.page("consent", page)
    }

    /// Seed 000: without a session, the login page first, then back to the same authorization request.
    private func signInFirst(_ request: Request, _ context: WorkspaceRequestContext) -> Response {
        Views.seeOther(
            context.dialect.signInLocation(returningTo: request.pathAndQuery, workspace: context.workspace, context.parameters, issuer: issuer))
    }

    func decide(_ request: Request, _ context: WorkspaceRequestContext) async throws -> Response {
        let workspace = context.workspace
        let fields: [String: String]
        do {
            fields = try await RequestParameters.parse(request)
        } catch {
            return views.error("This request cannot be completed", error.description, code: error.code, status: .badRequest)
        }
        guard let signedIn = context.signedIn else {
            return views.error(
                "Your session has ended", "Sign in again from the application to continue.", status: .forbidden)
        }
        guard CSRF.matches(fields["csrf"], signedIn.session) else {
            return views.error("This form has expired", "Go back to the application and start again.", status: .forbidden)
        }
        // Not a decision at all: the form stays good for the real one.
        guard fields["decision"] == "accept" || fields["decision"] == "deny" else {
            return views.error("This request cannot be completed", "Choose Accept or Deny.", status: .badRequest)
        }
        // The request is validated afresh: nothing the browser carried is trusted.
        var parameters = fields
        parameters["csrf"] = nil
        parameters["decision"] = nil
        parameters["consent"] = nil
        let validated = try await portcullis.authorizationServer.validateAuthorization(parameters, repeated: [], in: workspace)
        // RFC 6749 §4.1.2: one consent, one code. Core decides (ConsentDecisions): the nonce must be this user's, this
        // session's and this very request's screen, fresh, and not decided before (fifty posts at once are one decision).
        guard let nonce = fields["consent"],
            try await portcullis.consentDecisions.decide(
                nonce: nonce, user: signedIn.user, session: signedIn.session.csrfToken, request: validated)
        else {
            return views.error("This form has expired", "Go back to the application and start again.", status: .forbidden)
        }
        switch fields["decision"] {
        case "accept":
            return try await approve(validated, user: signedIn.user, context: context)
        default:
            // "deny", the only other value let through above. Seed 000:
            // error=access_denied&error_description=The+user+denied+access+to+your+application
            return Views.seeOther(
                AuthorizationRedirect.error(
                    .accessDenied, to: validated.redirectURI, state: validated.state, fragment: validated.responseType == .token, issuer: issuer))
        }
    }

    /// Issues the code (or, for implicit, the token) and sends the browser back to the client.
    private func approve(_ request: ValidatedAuthorizationRequest, user: UserAccount, context: WorkspaceRequestContext) async throws -> Response {
        let workspace = context.workspace
        let service = portcullis.authorizationCodes
        switch request.responseType {
        case .code:
            let code = try await service.issueCode(for: request, user: user, in: workspace)
            var parameters = [("code", code)]
            if let state = request.state { parameters.append(("state", state)) }
            parameters.append(("iss", issuer))
            return Views.seeOther(AuthorizationRedirect.location(request.redirectURI, fragment: false, parameters))
        case .token:
            let issued = try await service.issueImplicitToken(for: request, user: user, in: workspace)
            var parameters = [
                ("access_token", issued.accessToken), ("token_type", context.dialect.tokenType),
                ("expires_in", String(issued.expiresIn)), ("scope", issued.scope.description),
            ]
            if let state = request.state { parameters.append(("state", state)) }
            parameters.append(("iss", issuer))
            return Views.seeOther(AuthorizationRedirect.location(request.redirectURI, fragment: true, parameters))
        }
    }
}
