import Foundation
public import Logging
public import PortcullisCore
public import PortcullisStore

/// Everything the server and the CLI can be told, read once at start: flag, then environment variable, then
/// default. Nothing else in Portcullis reads the environment.
public struct Configuration: Sendable {
    public var hostname = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    /// nil: the SQLite file `portcullis.sqlite` in the data folder.
    public var databaseURL: String?
    /// nil: `http://{hostname}:{port}`.
    public var issuer: String?
    /// nil: the key file `secret.key` in the data folder, made on first start.
    public var secretKey: String?
    /// The first super-admin's password; nil: generated and printed once.
    public var adminPassword: String?
    public var accessTokenLifetime: Int64 = 3600
    public var refreshTokenLifetime: Int64 = 30 * 24 * 3600
    public var authorizationCodeLifetime: Int64 = 300
    public var signingAlgorithm: SigningAlgorithm = .rs256
    public var bcryptCost = 10
    public var logLevel: Logger.Level = .info
    public var databasePoolSize = 4
    public var throttle = ThrottlePolicy()
    /// A browser session ends after this many seconds without a request (ProcessMaker's 24 minutes).
    public var sessionIdleTimeout: Int64 = 24 * 60
    /// And after this many seconds from sign-in, however active.
    public var sessionLifetime: Int64 = 12 * 3600
    /// How long the server waits at start for a PostgreSQL server to answer, in seconds.
    public var databaseWait = 60
    /// Proxies whose `X-Forwarded-For` is believed.
    public var trustedProxies: [AddressRange] = []
    /// How often each instance refreshes its mirrors (revocations, signing keys), in seconds.
    public var mirrorInterval: Double = 0.25

    public init() {}

    /// Where the database is.
    public func databaseLocation() throws -> DatabaseLocation {
        if let databaseURL { return try DatabaseLocation(url: databaseURL) }
        return .sqlite(path: (dataDirectory as NSString).appendingPathComponent("portcullis.sqlite"))
    }

    /// The issuer URL (RFC 8414 §2), without a trailing slash.
    public var resolvedIssuer: String {
        if let issuer {
            var value = issuer
            while value.hasSuffix("/") { value.removeLast() }
            return value
        }
        let host = (hostname == "0.0.0.0" || hostname == "::") ? "127.0.0.1" : hostname
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// The token policy these settings describe.
    public var tokenPolicy: TokenPolicy {
        TokenPolicy(
            accessTokenLifetime: accessTokenLifetime, refreshTokenLifetime: refreshTokenLifetime,
            authorizationCodeLifetime: authorizationCodeLifetime)
    }
}

/// A configuration value that could not be used; the message names the flag or variable.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One setting: its flag, its environment variable, its default and what it does. The table below is the
/// single source for resolution, `--help` and README's configuration table.
public struct Setting: Sendable {
    /// The long flag without dashes; nil for secrets, which are never taken on the command line (they would
    /// show in `ps`).
    public let flag: String?
    public let environment: String
    public let defaultValue: String
    public let summary: String
    let apply: @Sendable (inout Configuration, String) throws -> Void
}

extension Configuration {
    public static let settings: [Setting] = [
        Setting(
            flag: "hostname", environment: "PORTCULLIS_HOSTNAME", defaultValue: "127.0.0.1",
            summary: "Address to listen on."
        ) { $0.hostname = $1 },
        Setting(flag: "port", environment: "PORTCULLIS_PORT", defaultValue: "8080", summary: "Port to listen on.") {
            $0.port = try int($1, "port", 0...65535)
        },
        Setting(
            flag: "data-dir", environment: "PORTCULLIS_DATA_DIR", defaultValue: "./data",
            summary: "Folder for the SQLite database and the generated key file."
        ) { $0.dataDirectory = $1 },
        Setting(
            flag: "database-url", environment: "DATABASE_URL", defaultValue: "sqlite in the data folder",
            summary: "postgres://user:password@host:port/db, or sqlite:PATH."
        ) {
            _ = try DatabaseLocation(url: $1)
            $0.databaseURL = $1
        },
        Setting(
            flag: "issuer", environment: "PORTCULLIS_ISSUER", defaultValue: "http://HOSTNAME:PORT",
            summary: "Public base URL; the `iss` of every token. Instances behind one proxy share it."
        ) {
            guard let url = URLComponents(string: $1), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
                url.query == nil, url.fragment == nil
            else { throw ConfigurationError("issuer must be an http or https URL without query or fragment, got \($1)") }
            $0.issuer = $1
        },
        Setting(
            flag: nil, environment: "PORTCULLIS_SECRET_KEY", defaultValue: "DATA_DIR/secret.key, made on first start",
            summary: "Server key (32+ bytes, base64): encrypts signing keys, keys secret hashes. Share it between instances."
        ) {
            _ = try ServerKey(text: $1)
            $0.secretKey = $1
        },
        Setting(
            flag: nil, environment: "PORTCULLIS_ADMIN_PASSWORD", defaultValue: "generated, printed once",
            summary: "Password of the first super-admin `admin`, used only when it is created."
        ) {
            $0.adminPassword = $1
        },
        Setting(
            flag: "access-token-ttl", environment: "PORTCULLIS_ACCESS_TOKEN_TTL", defaultValue: "3600",
            summary: "Access token lifetime (seconds, or 30m, 1h, 90d)."
        ) {
            $0.accessTokenLifetime = try duration($1, "access-token-ttl", 1...(366 * 86400))
        },
        Setting(
            flag: "refresh-token-ttl", environment: "PORTCULLIS_REFRESH_TOKEN_TTL", defaultValue: "30d",
            summary: "Refresh token lifetime; each rotation starts a new one."
        ) {
            $0.refreshTokenLifetime = try duration($1, "refresh-token-ttl", 60...(3660 * 86400))
        },
        Setting(
            flag: "code-ttl", environment: "PORTCULLIS_CODE_TTL", defaultValue: "300",
            summary: "Authorization code lifetime, at most 600 seconds."
        ) {
            $0.authorizationCodeLifetime = try duration($1, "code-ttl", 10...600)
        },
        Setting(
            flag: "session-idle", environment: "PORTCULLIS_SESSION_IDLE", defaultValue: "1440",
            summary: "Seconds a signed-in browser session lasts without a request (24 minutes, as ProcessMaker)."
        ) {
            $0.sessionIdleTimeout = try duration($1, "session-idle", 120...(30 * 86400))
        },
        Setting(
            flag: "signing-alg", environment: "PORTCULLIS_SIGNING_ALG", defaultValue: "RS256",
            summary: "Algorithm of new signing keys: RS256, ES256 or EdDSA."
        ) {
            guard let algorithm = SigningAlgorithm(name: $1) else {
                throw ConfigurationError("signing-alg must be RS256, ES256 or EdDSA, got \($1)")
            }
            $0.signingAlgorithm = algorithm
        },
        Setting(
            flag: "bcrypt-cost", environment: "PORTCULLIS_BCRYPT_COST", defaultValue: "10",
            summary: "bcrypt cost for new password hashes (4-16)."
        ) { $0.bcryptCost = try int($1, "bcrypt-cost", 4...16) },
        Setting(
            flag: "log-level", environment: "PORTCULLIS_LOG_LEVEL", defaultValue: "info",
            summary: "trace, debug, info, notice, warning, error or critical."
        ) {
            guard let level = Logger.Level(rawValue: $1.lowercased()) else {
                throw ConfigurationError("log-level must be one of trace, debug, info, notice, warning, error, critical; got \($1)")
            }
            $0.logLevel = level
        },
        Setting(
            flag: "db-pool-size", environment: "PORTCULLIS_DB_POOL_SIZE", defaultValue: "4",
            summary: "PostgreSQL connections per instance."
        ) { $0.databasePoolSize = try int($1, "db-pool-size", 1...256) },
        Setting(
            flag: "db-wait", environment: "PORTCULLIS_DB_WAIT", defaultValue: "60",
            summary: "Seconds to wait at start for PostgreSQL to answer before giving up."
        ) {
            $0.databaseWait = Int(try duration($1, "db-wait", 0...3600))
        },
        Setting(
            flag: "throttle-window", environment: "PORTCULLIS_THROTTLE_WINDOW", defaultValue: "60",
            summary: "Seconds over which failed sign-ins and token requests are counted."
        ) {
            $0.throttle.window = try duration($1, "throttle-window", 1...86400)
        },
        Setting(
            flag: "throttle-per-username", environment: "PORTCULLIS_THROTTLE_PER_USERNAME", defaultValue: "5",
            summary: "Failed password attempts per username per window: past it, more from the same address are refused, from others slowed down."
        ) {
            $0.throttle.perUsername = try int($1, "throttle-per-username", 1...1_000_000)
        },
        Setting(
            flag: "throttle-slowdown-base", environment: "PORTCULLIS_THROTTLE_SLOWDOWN_BASE", defaultValue: "1",
            summary: "Seconds the first attempt past a username's limit waits; each further failure doubles it."
        ) {
            $0.throttle.slowDownBase = .seconds(try duration($1, "throttle-slowdown-base", 0...300))
        },
        Setting(
            flag: "throttle-slowdown-cap", environment: "PORTCULLIS_THROTTLE_SLOWDOWN_CAP", defaultValue: "10",
            summary: "Longest a password attempt is slowed down (0: never); a browser that signed in before is not."
        ) {
            $0.throttle.slowDownCap = .seconds(try duration($1, "throttle-slowdown-cap", 0...300))
        },
        Setting(
            flag: "throttle-per-address", environment: "PORTCULLIS_THROTTLE_PER_ADDRESS", defaultValue: "50",
            summary: "Failed attempts per client address per window (IPv6: per /64)."
        ) {
            $0.throttle.perAddress = try int($1, "throttle-per-address", 1...1_000_000)
        },
        Setting(
            flag: "trusted-proxies", environment: "PORTCULLIS_TRUSTED_PROXIES", defaultValue: "none",
            summary: "Comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed (e.g. 127.0.0.1)."
        ) {
            $0.trustedProxies = try $1.split(separator: ",").map { text in
                guard let range = AddressRange(String(text.trimmingCharacters(in: .whitespaces))) else {
                    throw ConfigurationError("trusted-proxies: \(text) is not an IP address or CIDR range")
                }
                return range
            }
        },
        Setting(
            flag: "session-lifetime", environment: "PORTCULLIS_SESSION_LIFETIME", defaultValue: "12h",
            summary: "Longest a browser session lasts after sign-in, however active."
        ) {
            $0.sessionLifetime = try duration($1, "session-lifetime", 300...(30 * 86400))
        },
    ]

    /// Resolves flags (by flag name), then environment variables, then defaults.
    public static func resolve(flags: [String: String], environment: [String: String]) throws -> Configuration {
        var configuration = Configuration()
        for setting in settings {
            let value = setting.flag.flatMap { flags[$0] } ?? environment[setting.environment]
            guard let value else { continue }
            do {
                try setting.apply(&configuration, value)
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError("\(setting.flag.map { "--\($0)" } ?? setting.environment): \(error)")
            }
        }
        return configuration
    }

    /// The help line of a flag, from the table.
    public static func help(_ flag: String) -> String {
        guard let setting = settings.first(where: { $0.flag == flag }) else { return "" }
        return "\(setting.summary) (env \(setting.environment), default \(setting.defaultValue))"
    }

    private static func int(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return value
    }

    /// Seconds, or a number with s, m, h or d.
    static func duration(_ text: String, _ name: String, _ range: ClosedRange<Int64>) throws -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(trimmed)
        var unit: Int64 = 1
        if let last = trimmed.last, let multiplier = units[last] {
            unit = multiplier
            number = trimmed.dropLast()
        }
        guard let value = Int64(number), value >= 0, value <= Int64.max / unit, range.contains(value * unit) else {
            throw ConfigurationError(
                "\(name) must be a duration from \(range.lowerBound) to \(range.upperBound) seconds (like 3600, 30m, 90d), got \(text)")
        }
        return value * unit
    }

    /// A duration flag like `--expires-in 90d`, for the CLI.
    public static func parseDuration(_ text: String, name: String, range: ClosedRange<Int64>) throws -> Int64 {
        try duration(text, name, range)
    }
}
