import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// ProcessMaker 4: `/oauth/…` and `/api/1.0/…` for the default workspace, `token_type: "Bearer"`, errors with
/// `message`, Laravel's 422 validation body and paginator.
struct PM4Dialect: Dialect {
    let oauthPrefix = "/oauth"
    let pathNamesWorkspace = false
    let apiPrefix = "/api/1.0"
    let loginPath = "/login"
    let clientPagesPath = "/admin/auth-clients"
    let userRoutes: [UserRoute] = [.list("/users"), .create("/users"), .me("/users/me"), .byID("/users/{id}")]
    let hasProfilePages = true
    let hasClientsAPI = true
    let returnField = "redirect"
    let tokenType = "Bearer"

    func workspaceName(_ parameters: Parameters) -> String { Workspace.defaultName }

    func concrete(_ pattern: String, workspace: Workspace, _ parameters: Parameters) -> String { pattern }

    func signInLocation(returningTo target: String, workspace: Workspace, _ parameters: Parameters, issuer: String) -> String {
        "/login?" + AuthorizationRedirect.encode([("redirect", target)])
    }

    func oauthErrorBody(_ error: OAuthError) -> OAuthErrorResponse {
        OAuthErrorResponse(error: error.code, errorDescription: error.description, message: error.description)
    }

    func suppressesResponseCodes(_ request: Request) -> Bool { false }

    func apiError(_ error: APIError, status: HTTPResponse.Status, detail: String, headers: HTTPFields) -> Response {
        let body: [String: String]
        switch error {
        case .missingToken, .invalidToken:
            // DESIGN.md's pm4 401 body, as Laravel's `auth:api` guard words it.
            body = ["error": "Unauthenticated.", "message": detail]
        case .insufficientScope(let scope):
            body = ["error": "insufficient_scope", "message": detail, "scope": scope]
        default:
            body = ["error": status.reasonPhrase, "message": detail]
        }
        return Responses.json(body, status: status, headers: headers)
    }

    func validationError(_ errors: [(field: String, messages: [String])]) -> Response {
        let fields = Dictionary(errors.map { ($0.field, $0.messages) }, uniquingKeysWith: +)
        return Responses.json(ValidationErrorResponse(errors: fields), status: .unprocessableContent)
    }

    func user(_ user: UserAccount) -> Response { Responses.json(Self.resource(user)) }

    static func resource(_ user: UserAccount) -> UserResource {
        UserResource(
            id: user.id, uid: user.uid, username: user.username, email: user.email, firstname: user.firstName, lastname: user.lastName,
            status: user.isActive ? "ACTIVE" : "INACTIVE", isAdministrator: user.isSuperAdmin, createdAt: Responses.date(user.createdAt),
            updatedAt: Responses.date(user.updatedAt))
    }

    /// Laravel's list parameters: `filter`, `order_by`, `order_direction`, `per_page`, `page`.
    func usersQuery(_ query: Parameters) throws -> UserQuery {
        var errors: [(String, [String])] = []
        let sort = UserSortField(rawValue: query["order_by"].map(String.init) ?? "username")
        if sort == nil {
            errors.append(("order_by", ["The order by must be one of: \(UserSortField.allCases.map(\.rawValue).joined(separator: ", "))."]))
        }
        let direction = (query["order_direction"].map(String.init) ?? "asc").lowercased()
        if direction != "asc" && direction != "desc" { errors.append(("order_direction", ["The order direction must be asc or desc."])) }
        let perPage = query["per_page"].map { Int($0) } ?? 10
        if perPage == nil || !(1...100).contains(perPage!) { errors.append(("per_page", ["The per page must be a whole number from 1 to 100."])) }
        let page = query["page"].map { Int($0) } ?? 1
        // Bounded, so (page - 1) * per_page cannot overflow: a trap there would take the whole server down.
        if page == nil || !(1...1_000_000).contains(page!) { errors.append(("page", ["The page must be a whole number from 1 to 1000000."])) }
        let filter = query["filter"].map(String.init) ?? ""
        if let problem = UserDraft.filterProblem(filter) { errors.append(("filter", [problem])) }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return UserQuery(filter: filter, sort: sort!, descending: direction == "desc", limit: perPage!, offset: (page! - 1) * perPage!)
    }

    func users(_ users: [UserAccount], total: Int, query: UserQuery, path: String) -> Response {
        let meta = ListMeta(
            filter: query.filter ?? "", sortBy: query.sort.rawValue, sortOrder: query.descending ? "desc" : "asc", count: users.count,
            total: total, perPage: query.limit, currentPage: query.offset / query.limit + 1, path: path)
        return Responses.json(ListResponse(data: users.map(Self.resource), meta: meta))
    }
}
