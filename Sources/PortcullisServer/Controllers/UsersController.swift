import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisWire

/// The users API, once per dialect: ProcessMaker 4's `/api/1.0/users…` and ProcessMaker 3's
/// `/api/1.0/{workspace}/users` and `/user/{uid}`. Who may do what is declared at the route (`requiring`) and decided
/// by Core (`Requirement`, `UserAdministration`).
struct UsersController {
    let portcullis: Portcullis

    func addRoutes(to api: RouterGroup<APIRequestContext>, dialect: any Dialect) {
        let prefix = dialect.apiPrefix
        for route in dialect.userRoutes {
            switch route {
            case .list(let path):
                api.requiring(.permission(.viewUsers)).getAndHead(prefix + path) { request, context in
                    let query = try context.dialect.usersQuery(request.uri.queryParameters)
                    let (users, total) = try await portcullis.userAdministration.users(query, in: context.workspace)
                    return context.dialect.users(users, total: total, query: query, path: "\(portcullis.configuration.resolvedIssuer)\(prefix)\(path)")
                }
            case .create(let path):
                api.requiring(.permission(.createUsers)).post(RouterPath(prefix + path)) { request, context in
                    let draft = try await UserInput.decode(request)
                    let user = try await portcullis.userAdministration.create(draft, in: context.workspace, by: context.user)
                    var response = context.dialect.user(user)
                    response.status = .created
                    return response
                }
            case .me(let path):
                api.getAndHead(prefix + path) { _, context in context.dialect.user(context.user) }
            case .byID(let path):
                api.getAndHead(prefix + path) { _, context in
                    let user = try await target(context)
                    try UserAdministration.requireView(user, by: context.user)
                    return context.dialect.user(user)
                }
                api.put(RouterPath(prefix + path)) { request, context in
                    let user = try await target(context)
                    try UserAdministration.requireEdit(user, by: context.user)
                    let draft = try await UserInput.decode(request)
                    let updated = try await portcullis.userAdministration.update(
                        user, with: draft, by: context.user, in: context.workspace, address: portcullis.clientAddress(request, context))
                    return context.dialect.user(updated)
                }
                api.requiring(.permission(.deleteUsers)).delete(RouterPath(prefix + path)) { _, context in
                    let user = try await target(context)
                    try await portcullis.userAdministration.delete(user, by: context.user)
                    return Response(status: .noContent)
                }
            case .byUID(let path):
                api.requiring(.permission(.viewUsers)).getAndHead(prefix + path) { _, context in
                    let uid = context.parameters.get("uid") ?? ""
                    guard let user = try await portcullis.userAdministration.user(uid: uid, in: context.workspace) else {
                        throw ResourceNotFound("The user with usr_uid \(uid.prefix(64)) does not exist")
                    }
                    return context.dialect.user(user)
                }
            }
        }
    }

    /// The `{id}` user of the caller's workspace, or 404.
    private func target(_ context: APIRequestContext) async throws -> UserAccount {
        guard let id = context.parameters.get("id", as: Int.self), let user = try await portcullis.userAdministration.user(id: id, in: context.workspace)
        else { throw ResourceNotFound("No user has the id \(context.parameters.get("id")?.prefix(32) ?? "")") }
        return user
    }
}

/// Reads a user body: JSON, or a form as ProcessMaker 3's PHP examples send.
enum UserInput {
    static func decode(_ request: Request) async throws -> UserDraft {
        let fields: [String: String]
        do {
            fields = try await RequestParameters.parse(request)
        } catch {
            throw APIError.badRequest(error.description)
        }
        func flag(_ name: String) throws -> Bool? {
            guard let value = fields[name] else { return nil }
            switch value.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw ValidationFailure(field: name, message: "The \(name) field must be true or false.")
            }
        }
        return UserDraft(
            username: fields["username"], email: fields["email"], firstName: fields["firstname"], lastName: fields["lastname"],
            password: fields["password"], status: fields["status"], isAdministrator: try flag("is_administrator"),
            currentPassword: fields["current_password"])
    }
}
