import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// One generation of ProcessMaker's API. Both share every rule (Core); a dialect owns only what differs: its route
/// prefixes, where the workspace comes from, its login address, and how tokens, errors and lists are written. Each
/// controller is registered once per dialect (`Dialects.all`); nothing else asks which dialect it is in.
protocol Dialect: Sendable {
    /// The token, revocation, introspection and authorization endpoints' prefix: `/oauth` or `/{workspace}/oauth2`.
    var oauthPrefix: String { get }
    /// Whether the routes' paths name the workspace (pm3's `/{workspace}/…`); pm4's serve the default workspace, and
    /// there a resource server's credentials say which workspace it belongs to.
    var pathNamesWorkspace: Bool { get }
    /// The REST API's prefix: `/api/1.0` or `/api/1.0/{workspace}`.
    var apiPrefix: String { get }
    /// The login page: `/login` or `/sys{workspace}/{lang}/{skin}/login/login`.
    var loginPath: String { get }
    /// The Auth Clients pages.
    var clientPagesPath: String { get }
    /// The user routes this generation has (ProcessMaker 3 only lists and reads).
    var userRoutes: [UserRoute] { get }
    /// Whether the start page, the API Tokens pages and sign-out live here (ProcessMaker 4's).
    var hasProfilePages: Bool { get }
    /// Whether the auth clients JSON API (`/oauth/clients`, ProcessMaker 4's) lives here.
    var hasClientsAPI: Bool { get }

    /// The name of the workspace a request addresses, from its path.
    func workspaceName(_ parameters: Parameters) -> String
    /// A route pattern of this dialect made concrete for a request: `{workspace}`, `{lang}` and `{skin}` filled in
    /// (a language or skin only when it is a plain name, else ProcessMaker's default), never echoed raw.
    func concrete(_ pattern: String, workspace: Workspace, _ parameters: Parameters) -> String
    /// The name of the login form's return-target field: `redirect` or `u`.
    var returnField: String { get }
    /// The login address that comes back to `target` (a path and query) after sign-in.
    func signInLocation(returningTo target: String, workspace: Workspace, _ parameters: Parameters, issuer: String) -> String

    /// `token_type` of a token response: `Bearer` or `bearer`.
    var tokenType: String { get }
    /// The OAuth error body (RFC 6749 §5.2, plus ProcessMaker 4's `message`).
    func oauthErrorBody(_ error: OAuthError) -> OAuthErrorResponse
    /// ProcessMaker 3's `?suppress_response_codes=true`: status 200 with the error in the body.
    func suppressesResponseCodes(_ request: Request) -> Bool
    /// An API error body for `status`, in this generation's shape.
    func apiError(_ error: APIError, status: HTTPResponse.Status, detail: String, headers: HTTPFields) -> Response
    /// Field validation errors (pm4: 422 with `errors`; pm3: 400 with one message).
    func validationError(_ errors: [(field: String, messages: [String])]) -> Response

    /// A user as this generation shows one.
    func user(_ user: UserAccount) -> Response
    /// A page of the users list: the query it asks for, from the request's parameters.
    func usersQuery(_ query: Parameters) throws -> UserQuery
    /// A page of users in this generation's list shape.
    func users(_ users: [UserAccount], total: Int, query: UserQuery, path: String) -> Response
}

/// The routes of the users API; a dialect lists the ones it has, with their paths below its API prefix.
enum UserRoute: Sendable {
    case list(String)
    case create(String)
    case me(String)
    /// GET, PUT and DELETE of one user by id.
    case byID(String)
    /// GET of one user by ProcessMaker 3's `usr_uid`.
    case byUID(String)
}

enum Dialects {
    /// Every dialect served; the router registers each controller once per entry.
    static let all: [any Dialect] = [PM4Dialect(), PM3Dialect()]

    /// A language or skin name as ProcessMaker 3 uses them: letters, digits, _ and -.
    static func isSegment(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 32 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// The dialect whose API answers `path`, for routes nothing matched: ProcessMaker 3's paths carry a workspace
    /// (`/api/1.0/{workspace}/…`) where ProcessMaker 4's have a resource name.
    static func forUnmatched(_ path: String, isWorkspace: (String) async -> Bool) async -> any Dialect {
        let segments = path.split(separator: "/")
        guard path.hasPrefix("/api/"), segments.count >= 3, await isWorkspace(String(segments[2])) else { return all[0] }
        return all[1]
    }
}
