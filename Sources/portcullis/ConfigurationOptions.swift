import ArgumentParser
import PortcullisServer

/// The configuration flags every command takes; each one's help comes from `Configuration.settings`.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(Configuration.help("hostname"))) var hostname: String?
    @Option(name: .long, help: ArgumentHelp(Configuration.help("port"))) var port: String?
    @Option(name: .customLong("data-dir"), help: ArgumentHelp(Configuration.help("data-dir"))) var dataDir: String?
    @Option(name: .customLong("database-url"), help: ArgumentHelp(Configuration.help("database-url"))) var databaseURL: String?
    @Option(name: .long, help: ArgumentHelp(Configuration.help("issuer"))) var issuer: String?
    @Option(name: .customLong("access-token-ttl"), help: ArgumentHelp(Configuration.help("access-token-ttl"))) var accessTokenTTL: String?
    @Option(name: .customLong("refresh-token-ttl"), help: ArgumentHelp(Configuration.help("refresh-token-ttl"))) var refreshTokenTTL: String?
    @Option(name: .customLong("code-ttl"), help: ArgumentHelp(Configuration.help("code-ttl"))) var codeTTL: String?
    @Option(name: .customLong("session-idle"), help: ArgumentHelp(Configuration.help("session-idle"))) var sessionIdle: String?
    @Option(name: .customLong("signing-alg"), help: ArgumentHelp(Configuration.help("signing-alg"))) var signingAlg: String?
    @Option(name: .customLong("bcrypt-cost"), help: ArgumentHelp(Configuration.help("bcrypt-cost"))) var bcryptCost: String?
    @Option(name: .customLong("log-level"), help: ArgumentHelp(Configuration.help("log-level"))) var logLevel: String?
    @Option(name: .customLong("db-pool-size"), help: ArgumentHelp(Configuration.help("db-pool-size"))) var dbPoolSize: String?
    @Option(name: .customLong("db-wait"), help: ArgumentHelp(Configuration.help("db-wait"))) var dbWait: String?
    @Option(name: .customLong("throttle-window"), help: ArgumentHelp(Configuration.help("throttle-window"))) var throttleWindow: String?
    @Option(name: .customLong("throttle-per-username"), help: ArgumentHelp(Configuration.help("throttle-per-username")))
    var throttlePerUsername: String?
    @Option(name: .customLong("throttle-per-address"), help: ArgumentHelp(Configuration.help("throttle-per-address")))
    var throttlePerAddress: String?
    @Option(name: .customLong("throttle-slowdown-base"), help: ArgumentHelp(Configuration.help("throttle-slowdown-base")))
    var throttleSlowdownBase: String?
    @Option(name: .customLong("throttle-slowdown-cap"), help: ArgumentHelp(Configuration.help("throttle-slowdown-cap")))
    var throttleSlowdownCap: String?
    @Option(name: .customLong("trusted-proxies"), help: ArgumentHelp(Configuration.help("trusted-proxies"))) var trustedProxies: String?
    @Option(name: .customLong("session-lifetime"), help: ArgumentHelp(Configuration.help("session-lifetime"))) var sessionLifetime: String?

    var flags: [String: String] {
        let pairs: [(String, String?)] = [
            ("hostname", hostname), ("port", port), ("data-dir", dataDir), ("database-url", databaseURL), ("issuer", issuer),
            ("access-token-ttl", accessTokenTTL), ("refresh-token-ttl", refreshTokenTTL), ("code-ttl", codeTTL), ("session-idle", sessionIdle),
            ("signing-alg", signingAlg), ("bcrypt-cost", bcryptCost), ("log-level", logLevel), ("db-pool-size", dbPoolSize), ("db-wait", dbWait),
            ("throttle-window", throttleWindow), ("throttle-per-username", throttlePerUsername),
            ("throttle-per-address", throttlePerAddress), ("throttle-slowdown-base", throttleSlowdownBase),
            ("throttle-slowdown-cap", throttleSlowdownCap), ("trusted-proxies", trustedProxies), ("session-lifetime", sessionLifetime),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { name, value in value.map { (name, $0) } })
    }
}
