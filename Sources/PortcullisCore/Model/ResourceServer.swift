import Foundation

/// A scope a resource server defines, with the words the consent screen shows for it.
public struct ResourceScope: Sendable, Hashable, Codable {
    public let name: String
    public let description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}

/// An API other than Portcullis's own that accepts the workspace's tokens (issue 15). Clients ask for a token for it
/// with RFC 8707 resource indicators; the token's `aud` then names it. Its `clientID` and secret are the credentials it
/// reads the revocation feed, introspects and calls the nginx check with.
public struct ResourceServer: Sendable, Equatable {
    public let id: Int
    public let workspaceID: Int
    /// The resource indicator (RFC 8707 §2): an absolute URI, compared byte for byte.
    public let uri: String
    public let name: String
    public let scopes: [ResourceScope]
    public let clientID: String
    public let secretHash: String
    /// The `client_id`s that may get tokens for this API acting for themselves (client credentials). A token a user
    /// grants acts for that user, whom the API knows; a client-credentials token acts for the client alone, so which
    /// clients may have one is the API's administrator's decision (attacker's pass, issue 15: any client creator got
    /// every API's every scope).
    public let machineClients: [String]
    public let createdAt: Int64

    public init(
        id: Int, workspaceID: Int, uri: String, name: String, scopes: [ResourceScope], clientID: String, secretHash: String,
        machineClients: [String] = [], createdAt: Int64
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.uri = uri
        self.name = name
        self.scopes = scopes
        self.clientID = clientID
        self.secretHash = secretHash
        self.machineClients = machineClients
        self.createdAt = createdAt
    }

    /// Resource servers' credentials start with this, so the endpoints they call tell them from clients at once.
    public static let clientIDPrefix = "rs_"

    public func defines(_ scope: Scope) -> Bool { scopes.contains { $0.name == scope.rawValue } }
}

/// A resource server about to be stored.
public struct NewResourceServer: Sendable, Equatable {
    public let workspaceID: Int
    public let uri: String
    public let name: String
    public let scopes: [ResourceScope]
    public let clientID: String
    public let secretHash: String
    public let machineClients: [String]

    public init(
        workspaceID: Int, uri: String, name: String, scopes: [ResourceScope], clientID: String, secretHash: String, machineClients: [String] = []
    ) {
        self.workspaceID = workspaceID
        self.uri = uri
        self.name = name
        self.scopes = scopes
        self.clientID = clientID
        self.secretHash = secretHash
        self.machineClients = machineClients
    }
}

/// What an administrator sends to register a resource server, checked by `validated()`.
public struct ResourceServerRegistration: Sendable, Equatable {
    public var uri: String
    public var name: String?
    public var scopes: [ResourceScope]
    /// The clients that may get tokens for this API acting for themselves (client credentials); see
    /// `ResourceServer.machineClients`.
    public var machineClients: [String]

    public init(uri: String, name: String? = nil, scopes: [ResourceScope] = [], machineClients: [String] = []) {
        self.uri = uri
        self.name = name
        self.scopes = scopes
        self.machineClients = machineClients
    }

    /// Scope names a resource server may not take: ProcessMaker's own (in every spelling) and those OpenID Connect
    /// gives a meaning (OIDC Core §5.4, §11), so a registration can never change what an existing scope grants.
    static let reservedScopeNames: Set<String> = ["openid", "profile", "email", "address", "phone", "offline_access"]

    /// The registration with its name normalised, or the first field that breaks a rule. `issuer` is Portcullis's own
    /// origin: no resource server may take a URI under it, or it would be an audience Portcullis's own API, its
    /// introspection or another workspace's API answers to (attacker's pass, issue 15).
    public func validated(issuer: String) throws(ValidationFailure) -> ResourceServerRegistration {
        guard Self.isResourceIndicator(uri) else {
            throw ValidationFailure(
                field: "uri",
                message: "The uri must be an absolute http or https URI with a host, no fragment, no user information, at most 2000 characters.")
        }
        let lowered = uri.lowercased()
        let own = issuer.lowercased()
        guard lowered != own, !lowered.hasPrefix(own + "/"), !lowered.hasPrefix(own + "?") else {
            throw ValidationFailure(field: "uri", message: "The uri may not be under this server's own issuer, \(issuer).")
        }
        guard !scopes.isEmpty else { throw ValidationFailure(field: "scopes", message: "A resource server defines at least one scope.") }
        // Without a name, the URI names it, cut to a name's 255 scalars (a URI may have 2,000).
        let name = try Self.prepared(self.name ?? String(uri.unicodeScalars.prefix(255)), field: "name")
        var seen: Set<String> = []
        var scopes: [ResourceScope] = []
        for scope in self.scopes {
            // The token endpoint splits a scope list on commas and plus signs too (seed 000's clients send them).
            guard Scope.isValidToken(scope.name), !scope.name.contains(","), !scope.name.contains("+") else {
                throw ValidationFailure(
                    field: "scopes", message: "A scope is 1 to 100 visible ASCII characters, without spaces, quotes, backslashes, commas or plus signs.")
            }
            let folded = scope.name.lowercased()
            guard Scope(spelling: folded) == nil, !Self.reservedScopeNames.contains(folded) else {
                throw ValidationFailure(field: "scopes", message: "The scope \(scope.name) is reserved.")
            }
            guard seen.insert(scope.name).inserted else {
                throw ValidationFailure(field: "scopes", message: "The scope \(scope.name) is listed twice.")
            }
            let description = try Self.prepared(scope.description.isEmpty ? scope.name : scope.description, field: "scopes")
            scopes.append(ResourceScope(name: scope.name, description: description))
        }
        guard scopes.count <= 100 else { throw ValidationFailure(field: "scopes", message: "At most 100 scopes.") }
        return ResourceServerRegistration(uri: uri, name: name, scopes: scopes, machineClients: machineClients)
    }

    /// A name or description a person typed: PRECIS display-name preparation (RFC 8265 §2.2-style), at most 255 scalars.
    static func prepared(_ typed: String, field: String) throws(ValidationFailure) -> String {
        do {
            return try PRECIS.displayName(typed, maximumLength: 255)
        } catch {
            throw ValidationFailure(field: field, message: "The \(field) \(error.description)")
        }
    }

    /// RFC 8707 §2: "an absolute URI … MUST NOT include a fragment component". Only the characters RFC 3986 §2 allows
    /// in a URI (unreserved, reserved, `%`), so the bytes a client sends and the bytes registered compare exactly, and
    /// none needs escaping in a token's JSON: a `"` counted once but written as two let a token outgrow the size its
    /// check reads (third attacker's pass). http or https, since a resource is an HTTP API.
    public static func isResourceIndicator(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 2000, text.utf8.allSatisfy(isURICharacter) else { return false }
        guard let schemeEnd = text.range(of: "://") else { return false }
        let scheme = text[..<schemeEnd.lowerBound]
        guard scheme == "https" || scheme == "http" else { return false }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@"), !text.contains("#"), !text.contains("\\") else { return false }
        let host = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if host.count == 2 {
            guard let port = Int(host[1]), (1...65535).contains(port), host[1].first != "0" else { return false }
        }
        return !host[0].isEmpty || authority.hasPrefix("[")
    }

    /// RFC 3986 §2.2-2.3: ALPHA / DIGIT / "-._~" / ":/?#[]@" / "!$&'()*+,;=", and "%" of a percent-encoding.
    private static func isURICharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "-._~:/?#[]@!$&'()*+,;=%".utf8.contains(byte)
        }
    }
}
