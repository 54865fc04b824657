public import Foundation

/// Who a verified access token speaks for (RFC 9068 §2.2 claims).
public struct Principal: Sendable, Equatable, Hashable {
    /// `sub`: the user id, or the client id for a client-credentials token.
    public var subject: String
    /// `client_id`: the client the token was issued to.
    public var clientID: String
    /// The token's scopes (`scope`, space-separated, and `scopes`).
    public var scopes: Set<String>
    /// The workspace the token belongs to, when the server says.
    public var workspace: String?
    /// `jti`.
    public var tokenID: String
    /// `gid`: the grant the token came from, if any.
    public var grantID: String?
    /// `exp`.
    public var expiresAt: Date
    /// A client-credentials token acts for the client itself: `sub == client_id` (RFC 9068 §2.2).
    public var isClientToken: Bool

    public init(
        subject: String, clientID: String, scopes: Set<String>, workspace: String?, tokenID: String, grantID: String?, expiresAt: Date,
        isClientToken: Bool
    ) {
        self.subject = subject
        self.clientID = clientID
        self.scopes = scopes
        self.workspace = workspace
        self.tokenID = tokenID
        self.grantID = grantID
        self.expiresAt = expiresAt
        self.isClientToken = isClientToken
    }

    /// Whether every scope of `required` was granted.
    public func hasScopes(_ required: Set<String>) -> Bool { required.isSubset(of: scopes) }
}
