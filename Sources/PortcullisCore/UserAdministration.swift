import Foundation

/// The rules for managing users through the API: who may do what, and what a change revokes.
public struct UserAdministration: Sendable {
    let users: any UserRepository
    let administration: any UserAdministrationRepository
    let passwords: any PasswordHasher
    let revocationList: RevocationList
    /// How long a user-wide revocation must last: the longest lifetime of any token a user can hold.
    let tokenHorizon: Int64
    let clock: Clock
    /// The one throttled, audited password check (the login page's and the password grant's), for current passwords.
    let server: AuthorizationServer

    public init(
        users: any UserRepository, administration: any UserAdministrationRepository, passwords: any PasswordHasher,
        revocationList: RevocationList, tokenHorizon: Int64, clock: Clock, server: AuthorizationServer
    ) {
        self.server = server
        self.users = users
        self.administration = administration
        self.passwords = passwords
        self.revocationList = revocationList
        self.tokenHorizon = tokenHorizon
        self.clock = clock
    }

    /// A user may always see themselves; anyone else's account needs `view-users`.
    public static func requireView(_ user: UserAccount, by actor: UserAccount) throws(PermissionDenied) {
        if user.id != actor.id { try Requirement.permission(.viewUsers).check(actor) }
    }

    /// A user may edit their own profile (within `update`'s limits); anyone else's account needs `edit-users`.
    public static func requireEdit(_ user: UserAccount, by actor: UserAccount) throws(PermissionDenied) {
        if user.id != actor.id { try Requirement.permission(.editUsers).check(actor) }
    }

    public func create(_ typed: UserDraft, in workspace: Workspace, by actor: UserAccount) async throws -> UserAccount {
        try Requirement.permission(.createUsers).check(actor)
        let errors = typed.validationErrors(creating: true)
        if !errors.isEmpty { throw ValidationFailure(errors) }
        // RFC 8265: the username stored as typed (UsernameCasePreserved) and compared by its case-mapped key, which the
        // store derives; the password hashed in its OpaqueString form.
        let draft = try typed.prepared()
        if draft.isAdministrator == true && !actor.isSuperAdmin {
            throw ValidationFailure(field: "is_administrator", message: "Only a super admin may make a super admin.")
        }
        do {
            // One insert, status included: an INACTIVE user is never active, not even between two writes.
            return try await users.createUser(
                NewUser(
                    workspaceID: workspace.id, username: draft.username!, email: draft.email, firstName: draft.firstName!, lastName: draft.lastName!,
                    passwordHash: try await passwords.hash(draft.password!), isSuperAdmin: draft.isAdministrator ?? false,
                    isActive: draft.status != "INACTIVE"),
                now: clock.now())
        } catch RepositoryError.duplicate {
            throw ValidationFailure(field: "username", message: "The username has already been taken.")
        }
    }

    /// Applies the fields sent. A new password, deactivation or losing super-admin revokes every token the user holds.
    /// `address` is the caller's, for the throttle on the current password.
    public func update(_ user: UserAccount, with typed: UserDraft, by actor: UserAccount, in workspace: Workspace, address: String?) async throws
        -> UserAccount
    {
        try Self.requireEdit(user, by: actor)
        let errors = typed.validationErrors(creating: false)
        if !errors.isEmpty { throw ValidationFailure(errors) }
        // The current password stays as typed (prepared() leaves it): the hasher prepares what it verifies.
        let draft = try typed.prepared()
        // A super admin's account is out of reach of anyone but super admins: resetting its password would make the
        // actor a super admin.
        if user.isSuperAdmin && !actor.isSuperAdmin && actor.id != user.id {
            throw PermissionDenied("Only a super admin may change a super admin")
        }
        // One's own password or username changes only with the current password: a token an application holds for
        // the user must not be enough to take the account over.
        if actor.id == user.id && (draft.password != nil || draft.username != nil) {
            guard let current = draft.currentPassword, !current.isEmpty else {
                throw ValidationFailure(field: "current_password", message: "The current password is required to change your password or username.")
            }
            // Through the sign-in check, throttled per (username, address) and per address and audited (attacker's
            // pass): otherwise any token of the user, an application's included, could guess the password unthrottled.
            let check: AuthorizationServer.PasswordCheck
            do {
                check = try await server.checkPassword(username: user.username, password: current, in: workspace, address: address)
            } catch OAuthError.throttled(let seconds) {
                await recordCurrentPassword("user.current_password.throttled", of: user, address: address)
                throw OAuthError.throttled(retryAfter: seconds)
            }
            guard case .accepted = check else {
                await recordCurrentPassword("user.current_password.failure", of: user, address: address)
                throw ValidationFailure(field: "current_password", message: "The current password is incorrect.")
            }
        }
        let managingOthers = actor.has(.editUsers)
        if !managingOthers && (draft.status != nil || draft.isAdministrator != nil) {
            throw ValidationFailure(field: "status", message: "You may not change your own status or role.")
        }
        if draft.isAdministrator != nil && !actor.isSuperAdmin {
            throw ValidationFailure(field: "is_administrator", message: "Only a super admin may change who is a super admin.")
        }
        if actor.id == user.id && (draft.status == "INACTIVE" || draft.isAdministrator == false) {
            throw ValidationFailure(field: "status", message: "You may not deactivate or demote yourself.")
        }
        var changes = UserChanges(
            username: draft.username, email: draft.email,
            firstName: draft.firstName, lastName: draft.lastName, isActive: draft.status.map { $0 == "ACTIVE" },
            isSuperAdmin: draft.isAdministrator)
        if let password = draft.password { changes.passwordHash = try await passwords.hash(password) }
        let updated: UserAccount
        do {
            updated = try await administration.updateUser(id: user.id, changes: changes, now: clock.now())
        } catch RepositoryError.duplicate {
            throw ValidationFailure(field: "username", message: "The username has already been taken.")
        }
        if changes.passwordHash != nil || (user.isActive && !updated.isActive) || (user.isSuperAdmin && !updated.isSuperAdmin) {
            try await revokeEverything(of: user.id)
        }
        return updated
    }

    /// An audit row for a refused current password; never the password.
    private func recordCurrentPassword(_ kind: String, of user: UserAccount, address: String?) async {
        try? await server.audit?.record(
            AuditEvent(workspaceID: user.workspaceID, kind: kind, userID: user.id, subject: user.username, address: address, createdAt: clock.now()))
    }

    public func delete(_ user: UserAccount, by actor: UserAccount) async throws {
        try Requirement.permission(.deleteUsers).check(actor)
        if actor.id == user.id { throw ValidationFailure(field: "id", message: "You may not delete yourself.") }
        if user.isSuperAdmin && !actor.isSuperAdmin { throw PermissionDenied("Only a super admin may delete a super admin") }
        try await revokeEverything(of: user.id)
        _ = try await administration.deleteUser(id: user.id)
    }

    /// Every grant, refresh token and access token of the user stops working: at once here, within a second elsewhere.
    public func revokeEverything(of userID: Int) async throws {
        let now = clock.now()
        let revocation = try await administration.revokeEverything(ofUser: userID, now: now, horizon: now + tokenHorizon)
        revocationList.apply([revocation])
    }
}

extension UserAdministration {
    /// The user with this id, if it belongs to `workspace`: a user of another workspace is as good as unknown.
    public func user(id: Int, in workspace: Workspace) async throws -> UserAccount? {
        guard let user = try await users.user(id: id), user.workspaceID == workspace.id else { return nil }
        return user
    }

    /// The user with ProcessMaker 3's `usr_uid` in `workspace`.
    public func user(uid: String, in workspace: Workspace) async throws -> UserAccount? {
        try await administration.user(uid: uid, workspaceID: workspace.id)
    }

    /// A page of the workspace's users, and how many match in all.
    public func users(_ query: UserQuery, in workspace: Workspace) async throws -> (users: [UserAccount], total: Int) {
        try await administration.users(workspaceID: workspace.id, query: query)
    }
}
