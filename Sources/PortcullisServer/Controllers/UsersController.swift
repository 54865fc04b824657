import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
import PortcullisStore
import PortcullisWire

/// The users API: ProcessMaker 4's `/api/1.0/users…` and ProcessMaker 3's `/api/1.0/{workspace}/users`.
struct UsersController {
    let portcullis: Portcullis

    func addRoutes(to api: ProtectedAPI) {
        api.add(.get, "/api/1.0/users", dialect: .pm4) { request, _, caller in try await list(request, caller) }
        api.add(.post, "/api/1.0/users", dialect: .pm4) { request, _, caller in try await create(request, caller) }
        api.add(.get, "/api/1.0/users/me", dialect: .pm4) { _, _, caller in
            Responses.json(APIResponses.pm4(try caller.requireUser))
        }
        api.add(.get, "/api/1.0/users/{id}", dialect: .pm4) { _, context, caller in
            let user = try await target(context, caller)
            if user.id != caller.user?.id { try caller.require(.viewUsers) }
            return Responses.json(APIResponses.pm4(user))
        }
        api.add(.put, "/api/1.0/users/{id}", dialect: .pm4) { request, context, caller in
            let user = try await target(context, caller)
            if user.id != caller.user?.id { try caller.require(.editUsers) }
            let draft = try await UserInput.decode(request)
            let updated = try await portcullis.userAdministration.update(
                user, with: draft, by: try caller.requireUser, in: caller.workspace, address: portcullis.clientAddress(request, context))
            return Responses.json(APIResponses.pm4(updated))
        }
        api.add(.delete, "/api/1.0/users/{id}", dialect: .pm4) { _, context, caller in
            try caller.require(.deleteUsers)
            let user = try await target(context, caller)
            try await portcullis.userAdministration.delete(user, by: try caller.requireUser)
            return Response(status: .noContent)
        }
        api.add(.get, "/api/1.0/{workspace}/users", dialect: .pm3) { request, _, caller in try await listPM3(request, caller) }
        api.add(.get, "/api/1.0/{workspace}/user/{uid}", dialect: .pm3) { _, context, caller in
            try caller.require(.viewUsers)
            let uid = context.parameters.get("uid") ?? ""
            guard let user = try await portcullis.store.userAdministration.user(uid: uid, workspaceID: caller.workspace.id) else {
                throw APIError.notFound("The user with usr_uid \(uid.prefix(64)) does not exist")
            }
            return Responses.json(APIResponses.pm3(user))
        }
    }

    /// The `{id}` user of the caller's workspace, or 404.
    private func target(_ context: AppRequestContext, _ caller: APICaller) async throws -> UserAccount {
        guard let id = context.parameters.get("id", as: Int.self), let user = try await portcullis.store.users.user(id: id),
            user.workspaceID == caller.workspace.id
        else { throw APIError.notFound("No user has the id \(context.parameters.get("id")?.prefix(32) ?? "")") }
        return user
    }

    private func list(_ request: Request, _ caller: APICaller) async throws -> Response {
        try caller.require(.viewUsers)
        let query = request.uri.queryParameters
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
        if !errors.isEmpty { throw APIError.validation(errors) }
        let (users, total) = try await portcullis.store.userAdministration.users(
            workspaceID: caller.workspace.id,
            query: UserQuery(filter: filter, sort: sort!, descending: direction == "desc", limit: perPage!, offset: (page! - 1) * perPage!))
        let meta = ListMeta(
            filter: filter, sortBy: sort!.rawValue, sortOrder: direction, count: users.count, total: total, perPage: perPage!,
            currentPage: page!, path: "\(portcullis.configuration.resolvedIssuer)/api/1.0/users")
        return Responses.json(ListResponse(data: users.map(APIResponses.pm4), meta: meta))
    }

    private func listPM3(_ request: Request, _ caller: APICaller) async throws -> Response {
        try caller.require(.viewUsers)
        let query = request.uri.queryParameters
        guard let start = Int(query["start"].map(String.init) ?? "0"), (0...100_000_000).contains(start),
            let limit = Int(query["limit"].map(String.init) ?? "1000"), (1...1000).contains(limit)
        else { throw APIError.badRequest("start must be from 0 to 100000000 and limit from 1 to 1000") }
        if let filter = query["filter"], UserDraft.filterProblem(String(filter)) != nil {
            throw APIError.badRequest("filter may be at most \(UserDraft.maximumFilterLength) characters")
        }
        let (users, _) = try await portcullis.store.userAdministration.users(
            workspaceID: caller.workspace.id,
            query: UserQuery(filter: query["filter"].map(String.init), sort: .username, limit: limit, offset: start))
        return Responses.json(users.map(APIResponses.pm3))
    }

    private func create(_ request: Request, _ caller: APICaller) async throws -> Response {
        try caller.require(.createUsers)
        let draft = try await UserInput.decode(request)
        let user = try await portcullis.userAdministration.create(draft, in: caller.workspace, by: try caller.requireUser)
        return Responses.json(APIResponses.pm4(user), status: .created)
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
            default: throw APIError.validation([(name, ["The \(name) field must be true or false."])])
            }
        }
        return UserDraft(
            username: fields["username"], email: fields["email"], firstName: fields["firstname"], lastName: fields["lastname"],
            password: fields["password"], status: fields["status"], isAdministrator: try flag("is_administrator"),
            currentPassword: fields["current_password"])
    }
}
