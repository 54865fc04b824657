/// What a route needs of its caller, declared where the route is registered (`.requiring(.permission(.viewUsers))`)
/// and decided here, in Core, once. The server only asks; it never decides who may do what.
public enum Requirement: Sendable, Equatable {
    /// The user holds this permission (a super admin holds every one).
    case permission(Permission)
    /// May see the auth clients list: `view-auth_clients`, or `PM_REST_API_APPLICATIONS` for one's own.
    case seeClients
    /// May register an auth client: `create-auth_clients`, or `PM_REST_API_APPLICATIONS`.
    case createClients
    /// May register or delete resource servers: a super admin only. A resource server decides which APIs trust the
    /// workspace's tokens and adds scopes clients may ask for, so it is a change to the whole workspace's trust.
    case manageResources

    /// Whether `user` meets the requirement.
    public func isMet(by user: UserAccount) -> Bool {
        switch self {
        case .permission(let permission): user.has(permission)
        case .seeClients: ClientAdministration.visibility(for: user) != .none
        case .createClients: ClientAdministration.mayCreate(user)
        case .manageResources: user.isSuperAdmin
        }
    }

    /// Throws `PermissionDenied` naming what is missing, in the words the API has always used.
    public func check(_ user: UserAccount) throws(PermissionDenied) {
        guard !isMet(by: user) else { return }
        switch self {
        case .permission(let permission): throw PermissionDenied("This action needs the permission \(permission.rawValue)")
        case .seeClients: throw PermissionDenied("This action needs the permission view-auth_clients")
        case .createClients: throw PermissionDenied("This action needs the permission create-auth_clients")
        case .manageResources: throw PermissionDenied("Only a super admin may manage resource servers")
        }
    }
}
