/// The rules for registering and managing auth clients: who may do what (DESIGN.md's permissions, with
/// ProcessMaker 3's PM_REST_API_APPLICATIONS for the clients one owns), and what a change does to tokens.
public struct ClientAdministration: Sendable {
    let clients: any ClientRepository
    let secrets: ClientSecretHasher
    let revocationList: RevocationList
    /// How long a client-wide revocation must last: longer than any token the client's users can hold.
    let tokenHorizon: Int64
    let clock: Clock
    /// The resource servers, for which clients a super admin made machine clients.
    let resources: ResourceCatalog

    public init(
        clients: any ClientRepository, secrets: ClientSecretHasher, revocationList: RevocationList, tokenHorizon: Int64, clock: Clock,
        resources: ResourceCatalog
    ) {
        self.resources = resources
        self.clients = clients
        self.secrets = secrets
        self.revocationList = revocationList
        self.tokenHorizon = tokenHorizon
        self.clock = clock
    }

    /// What a user may see in the list.
    public enum Visibility: Sendable, Equatable { case all, own, none }

    public static func visibility(for user: UserAccount) -> Visibility {
        if user.has(.viewAuthClients) { return .all }
        if user.permissions.contains(.restAPIApplications) { return .own }
        return .none
    }

    private static func owns(_ user: UserAccount, _ client: OAuthClient) -> Bool {
        user.permissions.contains(.restAPIApplications) && client.ownerUserID == user.id
    }

    public static func mayView(_ client: OAuthClient, _ user: UserAccount) -> Bool { user.has(.viewAuthClients) || owns(user, client) }
    public static func mayCreate(_ user: UserAccount) -> Bool { user.has(.createAuthClients) || user.permissions.contains(.restAPIApplications) }
    public func mayEdit(_ client: OAuthClient, _ user: UserAccount) -> Bool {
        guard !isSuperAdminsOnly(client) || user.isSuperAdmin else { return false }
        return user.has(.editAuthClients) || Self.owns(user, client)
    }
    public func mayDelete(_ client: OAuthClient, _ user: UserAccount) -> Bool {
        guard !isSuperAdminsOnly(client) || user.isSuperAdmin else { return false }
        return user.has(.deleteAuthClients) || Self.owns(user, client)
    }

    /// The clients only a super admin edits, regenerates or deletes: those that carry personal tokens, and machine
    /// clients of a resource server. A super admin designates a machine client (`Requirement.manageResources`); one
    /// who could give it a new secret, or edit it and keep the designation, would hold its client-credentials access
    /// to the API (second attacker's pass, issue 15).
    func isSuperAdminsOnly(_ client: OAuthClient) -> Bool {
        Self.carriesPersonalTokens(client) || resources.isMachineClient(client.clientID, in: client.workspaceID)
    }

    /// Every personal access token of the workspace, a super admin's included, is issued through a client with the
    /// personal-access switch: editing it (a lost switch revokes its tokens, a new grant or secret hands its id to
    /// someone) or deleting it would revoke or borrow them all, so only a super admin may (attacker's pass, issue 12).
    static func carriesPersonalTokens(_ client: OAuthClient) -> Bool { client.grants.contains(.personalAccess) }

    /// Trusting a client: letting it skip the consent screen, or introspect other clients' tokens (RFC 7662 §4). A
    /// client that skips consent takes tokens for any signed-in user without asking, a super admin's included, so
    /// whoever may grant it may make themselves super admin (one click of a signed-in admin on a link to the client);
    /// introspection reads every token of the workspace. So only a super admin grants either, never create- or
    /// edit-auth_clients alone, nor an owner with PM_REST_API_APPLICATIONS (attacker's pass, issue 12). `nil` is the
    /// CLI, the operator on the data folder.
    public static func mayTrustClients(_ actor: UserAccount?) -> Bool {
        guard let actor else { return true }
        return actor.isSuperAdmin
    }

    /// The clients `user` may see, in name order.
    public func list(for user: UserAccount, in workspace: Workspace) async throws -> [OAuthClient] {
        switch Self.visibility(for: user) {
        case .all: try await clients.clients(workspaceID: workspace.id)
        case .own: try await clients.clients(workspaceID: workspace.id).filter { $0.ownerUserID == user.id }
        case .none: []
        }
    }

    /// Registers a client owned by `owner`; the secret in the result is shown once and kept only as a keyed hash.
    public func register(_ registration: ClientRegistration, owner: Int?, by actor: UserAccount?, in workspace: Workspace) async throws
        -> (client: OAuthClient, secret: String?)
    {
        var registration = registration
        var errors = Self.prepareText(&registration)
        if registration.skipsConsent && !Self.mayTrustClients(actor) {
            errors.append(("skip_consent", ["Only a super admin may let a client skip the consent screen."]))
        }
        if registration.mayIntrospect && !Self.mayTrustClients(actor) {
            errors.append(("may_introspect", ["Only a super admin may let a client introspect other clients' tokens."]))
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        let secret = registration.isConfidential ? OpaqueSecret.generate(.clientSecret) : nil
        do {
            let client = try await clients.createClient(
                NewClient(
                    workspaceID: workspace.id, clientID: ClientRegistration.generateClientID(), name: registration.normalizedName,
                    description: registration.description, website: registration.website, redirectURIs: registration.redirectURIs,
                    grants: registration.grants, isConfidential: registration.isConfidential, secretHash: secret.map(secrets.hash),
                    ownerUserID: owner, skipsConsent: registration.skipsConsent, mayIntrospect: registration.mayIntrospect),
                now: clock.now())
            return (client, secret)
        } catch RepositoryError.duplicate {
            throw ValidationFailure(field: "name", message: "The name has already been taken.")
        }
    }

    /// Applies an edit. A client that becomes confidential gets a new secret (returned, shown once); one that becomes
    /// public loses its secret.
    public func update(_ client: OAuthClient, with requested: ClientRegistration, by actor: UserAccount?) async throws
        -> (client: OAuthClient, secret: String?)
    {
        var registration = requested
        var errors = Self.prepareText(&registration)
        if !Self.mayTrustClients(actor) {
            if registration.skipsConsent && !client.skipsConsent {
                errors.append(("skip_consent", ["Only a super admin may let a client skip the consent screen."]))
            }
            // Anyone else's edit never keeps a skip a super admin granted: it could point the trusted client's redirect
            // URIs elsewhere and take tokens without a consent screen.
            registration.skipsConsent = false
        }
        if !Self.mayTrustClients(actor) {
            if registration.mayIntrospect && !client.mayIntrospect {
                errors.append(("may_introspect", ["Only a super admin may let a client introspect other clients' tokens."]))
            }
            // Like the skip: an owner's edit never keeps what an administrator granted to the reviewed client.
            registration.mayIntrospect = false
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        var secret: String?
        var hash = client.secretHash
        if registration.isConfidential && (!client.isConfidential || client.secretHash == nil) {
            secret = OpaqueSecret.generate(.clientSecret)
            hash = secret.map(secrets.hash)
        } else if !registration.isConfidential {
            hash = nil
        }
        do {
            let updated = try await clients.updateClient(id: client.id, with: registration, secretHash: hash, now: clock.now())
            // Tokens were issued under the old terms: a client that turns public, or loses a grant, keeps none of them
            // (a refresh token of a once-confidential client must not work with a bare client_id).
            if client.isConfidential != updated.isConfidential || !client.grants.subtracting(updated.grants).isEmpty {
                try await revokeTokens(of: client)
            }
            return (updated, secret)
        } catch RepositoryError.duplicate {
            throw ValidationFailure(field: "name", message: "The name has already been taken.")
        }
    }

    /// A new secret, shown once; the old one stops working at once.
    public func regenerateSecret(of client: OAuthClient) async throws -> String {
        guard client.isConfidential else { throw ValidationFailure(field: "public", message: "A public client has no secret.") }
        let secret = OpaqueSecret.generate(.clientSecret)
        try await clients.replaceSecret(id: client.id, secretHash: secrets.hash(secret), now: clock.now())
        return secret
    }

    /// Revokes every grant and access token of the client, keeping the client.
    public func revokeTokens(of client: OAuthClient) async throws {
        let now = clock.now()
        let revocation = Revocation(
            kind: .client, value: client.clientID, revokedAt: now, expiresAt: now + tokenHorizon, workspaceID: client.workspaceID)
        try await clients.revokeGrants(clientRowID: client.id, revocation: revocation)
        revocationList.apply([revocation])
    }

    /// Deletes the client and revokes every token it issued: at once here, within a second on other instances.
    public func delete(_ client: OAuthClient) async throws {
        let now = clock.now()
        let revocation = Revocation(
            kind: .client, value: client.clientID, revokedAt: now, expiresAt: now + tokenHorizon, workspaceID: client.workspaceID)
        _ = try await clients.deleteClient(id: client.id, revocation: revocation)
        revocationList.apply([revocation])
    }
}

extension ClientAdministration {
    /// The registration's field errors, with its name prepared as a display name (`PRECIS.displayName`: NFC, spaces
    /// collapsed, no control or format characters, so `Web\u{0}` is refused rather than stored beside `Web`) and its
    /// description bounded: at most 2,000 characters, no control characters but tab and newlines, no format ones.
    static func prepareText(_ registration: inout ClientRegistration) -> [(field: String, messages: [String])] {
        var errors = registration.validationErrors()
        do {
            registration.name = try PRECIS.displayName(registration.name, maximumLength: 255)
        } catch .empty, .tooLong {
            // validationErrors() already said so.
        } catch {
            errors.removeAll { $0.field == "name" }
            errors.insert(("name", ["The name \(error.description)"]), at: 0)
        }
        if let description = registration.description {
            // Scalars after NFC, as every other limit counts (a letter plus thousands of marks is not one character).
            if PRECIS.length(PRECIS.nfc(description)) > 2000 {
                errors.append(("description", ["The description may not be greater than 2000 characters."]))
            } else if description.unicodeScalars.contains(where: PRECIS.isRefusedInText) {
                errors.append(("description", ["The description may not contain control or invisible characters."]))
            } else {
                registration.description = PRECIS.nfc(description)
            }
        }
        return errors
    }
}
