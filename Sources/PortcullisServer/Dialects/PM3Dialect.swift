import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// ProcessMaker 3: the workspace in every path (`/{workspace}/oauth2/…`, `/api/1.0/{workspace}/…`,
/// `/sys{workspace}/{lang}/{skin}/…`), `token_type: "bearer"`, `?suppress_response_codes=true`, Restler's error
/// body, and `start`/`limit` lists.
struct PM3Dialect: Dialect {
    let oauthPrefix = "/{workspace}/oauth2"
    let pathNamesWorkspace = true
    let apiPrefix = "/api/1.0/{workspace}"
    let loginPath = "/sys{workspace}/{lang}/{skin}/login/login"
    let clientPagesPath = "/sys{workspace}/{lang}/{skin}/oauth2/applications"
    let userRoutes: [UserRoute] = [.list("/users"), .byUID("/user/{uid}")]
    let hasProfilePages = false
    let hasClientsAPI = false
    let returnField = "u"
    let tokenType = "bearer"

    func workspaceName(_ parameters: Parameters) -> String { parameters.get("workspace") ?? "" }

    func concrete(_ pattern: String, workspace: Workspace, _ parameters: Parameters) -> String {
        let lang = parameters.get("lang").flatMap { Dialects.isSegment($0) ? $0 : nil } ?? "en"
        let skin = parameters.get("skin").flatMap { Dialects.isSegment($0) ? $0 : nil } ?? "neoclassic"
        return pattern.replacingOccurrences(of: "{workspace}", with: workspace.name).replacingOccurrences(of: "{lang}", with: lang)
            .replacingOccurrences(of: "{skin}", with: skin)
    }

    /// Seed 000: `/sys{workspace}/{lang}/{skin}/login/login?u=<the full address to return to>`.
    func signInLocation(returningTo target: String, workspace: Workspace, _ parameters: Parameters, issuer: String) -> String {
        concrete(loginPath, workspace: workspace, parameters) + "?" + AuthorizationRedirect.encode([("u", issuer + target)])
    }

    func oauthErrorBody(_ error: OAuthError) -> OAuthErrorResponse {
        OAuthErrorResponse(error: error.code, errorDescription: error.description, message: nil)
    }

    /// Seed 000: ProcessMaker 3 answers an OAuth endpoint's error with status 200 and the error object when the URL
    /// carries `?suppress_response_codes=true`.
    func suppressesResponseCodes(_ request: Request) -> Bool { request.uri.queryParameters["suppress_response_codes"] == "true" }

    /// Restler: `{"error": {"code": 401, "message": "Unauthorized"}}`.
    func apiError(_ error: APIError, status: HTTPResponse.Status, detail: String, headers: HTTPFields) -> Response {
        let message = status == .unauthorized ? "Unauthorized" : "\(status.reasonPhrase): \(detail)"
        return Responses.json(RestlerError(error: .init(code: status.code, message: message)), status: status, headers: headers)
    }

    func validationError(_ errors: [(field: String, messages: [String])]) -> Response {
        let detail = errors.map { "\($0.field): \($0.messages.joined(separator: " "))" }.joined(separator: "; ")
        return apiError(.badRequest(detail), status: .badRequest, detail: detail, headers: [:])
    }

    struct RestlerError: Encodable {
        struct Detail: Encodable {
            let code: Int
            let message: String
        }
        let error: Detail
    }

    func user(_ user: UserAccount) -> Response { Responses.json(Self.resource(user)) }

    static func resource(_ user: UserAccount) -> PM3UserResource {
        PM3UserResource(
            usrUID: user.uid, usrUsername: user.username, usrFirstname: user.firstName, usrLastname: user.lastName,
            usrEmail: user.email ?? "", usrStatus: user.isActive ? "ACTIVE" : "INACTIVE", usrCreateDate: Responses.date(user.createdAt),
            usrUpdateDate: Responses.date(user.updatedAt))
    }

    /// ProcessMaker 3's `start`, `limit` and `filter`.
    func usersQuery(_ query: Parameters) throws -> UserQuery {
        guard let start = Int(query["start"].map(String.init) ?? "0"), (0...100_000_000).contains(start),
            let limit = Int(query["limit"].map(String.init) ?? "1000"), (1...1000).contains(limit)
        else { throw APIError.badRequest("start must be from 0 to 100000000 and limit from 1 to 1000") }
        if let filter = query["filter"], UserDraft.filterProblem(String(filter)) != nil {
            throw APIError.badRequest("filter may be at most \(UserDraft.maximumFilterLength) characters")
        }
        return UserQuery(filter: query["filter"].map(String.init), sort: .username, limit: limit, offset: start)
    }

    func users(_ users: [UserAccount], total: Int, query: UserQuery, path: String) -> Response {
        Responses.json(users.map(Self.resource))
    }
}
