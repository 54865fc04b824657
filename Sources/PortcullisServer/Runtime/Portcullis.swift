public import Logging
public import PortcullisCore
public import PortcullisStore
public import Synchronization

/// One running Portcullis: the configuration, the store, the keys and the rules, wired together. The
/// server and every CLI command open one.
public final class Portcullis: Sendable {
    public let configuration: Configuration
    public let store: Store
    public let logger: Logger
    public let serverKey: ServerKey
    public let keyRing: KeyRing
    public let revocationList: RevocationList
    /// Users and clients as last read, followed through the change feed (MirrorService).
    public let mirrors: RecordMirrors
    public let passwords: BcryptPasswordHasher
    public let keyManager: SigningKeyManager
    public let authorizationServer: AuthorizationServer
    public let clientSecrets: ClientSecretHasher
    public let userAdministration: UserAdministration
    public let signIn: SignIn
    public let clientAdministration: ClientAdministration
    public let personalTokens: PersonalAccessTokens
    /// The resource servers of every workspace (re-read on every mirror pass) and their administration.
    public let resourceCatalog = ResourceCatalog()
    public let resourceAdministration: ResourceAdministration
    /// Last-used times of personal access tokens, written in batches by the mirror service.
    public let tokenUsage = PersonalTokenUsage()
    /// How many mirror passes have completed; a change made anywhere is in force here once a pass that began after it
    /// has completed (docs/SCALING.md).
    public let mirrorPasses = Atomic<Int>(0)
    public let authorizationCodes: AuthorizationCodeService
    public let clock: Clock
    let workspaceDirectory = WorkspaceDirectory()
    let views: Views

    /// Opens the store and builds the rules; does not migrate (see `bootstrap`).
    public static func open(_ configuration: Configuration, logger: Logger, clock: Clock = .system) async throws -> Portcullis {
        let serverKey = try ServerKeyFile.load(configuration: configuration)
        let views = try Views.load()
        let store = try await Store.open(try configuration.databaseLocation(), poolSize: configuration.databasePoolSize, logger: logger)
        if store.isPostgres {
            do {
                try await store.waitUntilReachable(timeout: configuration.databaseWait, logger: logger)
            } catch {
                await store.close()
                throw error
            }
        }
        return Portcullis(
            configuration: configuration, store: store, serverKey: serverKey, views: views, logger: logger, clock: clock)
    }

    private init(
        configuration: Configuration, store: Store, serverKey: ServerKey, views: Views, logger: Logger, clock: Clock
    ) {
        self.views = views
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.serverKey = serverKey
        self.clock = clock
        self.keyRing = KeyRing()
        self.revocationList = RevocationList()
        let mirrors = RecordMirrors()
        self.mirrors = mirrors
        let users = MirroredUsers(store.users, mirror: mirrors.users)
        let clients = MirroredClients(store.clients, mirror: mirrors.clients)
        self.passwords = BcryptPasswordHasher(cost: configuration.bcryptCost)
        self.clientSecrets = ClientSecretHasher(serverKey: serverKey)
        self.keyManager = SigningKeyManager(
            repository: store.signingKeys, sealer: KeySealer(serverKey: serverKey), ring: keyRing,
            algorithm: configuration.signingAlgorithm, retiredKeyLifetime: Self.tokenHorizon(configuration), clock: clock)
        self.authorizationServer = AuthorizationServer(
            workspaces: store.workspaces, users: users, clients: clients, grants: store.grants,
            revocations: store.revocations, passwords: passwords, secrets: clientSecrets,
            codec: AccessTokenCodec(keys: keyRing, issuer: configuration.resolvedIssuer), revocationList: revocationList,
            policy: configuration.tokenPolicy, limiter: SharedAttemptLimiter(policy: configuration.throttle, repository: store.throttle), clock: clock,
            logger: logger, audit: store.audit,
            tokenGrants: AuthorizationServer.coreGrants + [
                AuthorizationCodeGrant(codes: store.authorizationCodes)
            ], resources: resourceCatalog)
        self.resourceAdministration = ResourceAdministration(
            repository: store.resourceServers, catalog: resourceCatalog, clients: clients, secrets: clientSecrets,
            revocationList: revocationList, issuer: configuration.resolvedIssuer, tokenHorizon: Self.tokenHorizon(configuration), clock: clock)
        self.signIn = SignIn(server: authorizationServer, audit: store.audit)
        self.personalTokens = PersonalAccessTokens(server: authorizationServer, tokens: store.personalTokens, settings: store.workspaceSettings)
        self.clientAdministration = ClientAdministration(
            clients: clients, secrets: clientSecrets, revocationList: revocationList,
            tokenHorizon: Self.tokenHorizon(configuration), clock: clock, resources: resourceCatalog)
        self.authorizationCodes = AuthorizationCodeService(server: authorizationServer, codes: store.authorizationCodes)
        self.userAdministration = UserAdministration(
            users: users, administration: MirroredUserAdministration(store.userAdministration, mirror: mirrors.users), passwords: passwords,
            revocationList: revocationList,
            tokenHorizon: Self.tokenHorizon(configuration), clock: clock, server: authorizationServer)
    }

    /// The longest any token this server signs can live: access tokens, and personal access tokens of up to a year.
    /// A user-wide revocation must last that long, and so must a retired signing key stay published, or the personal
    /// access tokens it signed would stop verifying at the next rotation.
    static func tokenHorizon(_ configuration: Configuration) -> Int64 {
        max(configuration.accessTokenLifetime, Int64(PersonalAccessTokens.absoluteMaximumDays) * 86400)
    }

    /// Closes the database and the bcrypt threads.
    public func close() async {
        await passwords.shutdown()
        await store.close()
    }
}
