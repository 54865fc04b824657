public import Crypto
import Foundation

/// Where a consent decision is recorded as made, so that one screen yields one decision.
public protocol ConsentDecisionRepository: Sendable {
    /// Records that the nonce with this hash was decided, by one atomic insert-if-absent on the unique hash: true for
    /// the first caller only, false for every later or concurrent one. `expiresAt` is when the nonce stops being good
    /// anyway, after which the row may be purged.
    func record(hash: String, workspaceID: Int, expiresAt: Int64, now: Int64) async throws -> Bool
}

/// One consent screen, one decision (RFC 6749 §4.1.2, §10.5: one consent never yields two codes).
///
/// The screen carries a nonce that is an HMAC under the server's internal MAC key over who sees it (user, workspace,
/// session), what it asks (client_id, redirect_uri, scope, state, response_type, code_challenge), when it was shown
/// and random bytes. Showing a screen stores nothing. A POST is a decision only if its nonce is genuine, at most
/// `lifetime` old, and was made for this user, this session and exactly this request; the first such decision is
/// recorded (the unique nonce hash: the first insert wins) and every other post of the same form is refused, however
/// many arrive at once. A nonce from another user's screen, another session's, or another client's or scope's, is
/// worth nothing.
public struct ConsentDecisions: Sendable {
    /// How long a consent screen may stay open before its decision is refused.
    public static let lifetime: Int64 = 1800
    static let prefix = "pcl_cn_"

    let repository: any ConsentDecisionRepository
    let key: SymmetricKey
    let clock: Clock

    public init(repository: any ConsentDecisionRepository, key: SymmetricKey, clock: Clock) {
        self.repository = repository
        self.key = key
        self.clock = clock
    }

    /// The nonce for the consent screen `user` is shown, in the session `session` (a secret of that session, e.g. its
    /// CSRF token), for `request`. Nothing is stored.
    public func open(for user: UserAccount, session: String, request: ValidatedAuthorizationRequest) -> String {
        let issuedAt = clock.now()
        let random = Base64URL.encode(SecureRandom.bytes(16))
        let head = "\(issuedAt).\(random)"
        return Self.prefix + head + "." + mac(head, user: user, session: session, request: request)
    }

    /// Whether this post of a consent form is the one decision its screen allows: the nonce is genuine, fresh, made
    /// for this user, session and request, and not decided before. Call it only for a real decision (accept or deny):
    /// a post that is neither leaves the form good.
    public func decide(nonce: String, user: UserAccount, session: String, request: ValidatedAuthorizationRequest) async throws -> Bool {
        guard nonce.utf8.count <= 200, nonce.hasPrefix(Self.prefix) else { return false }
        let parts = nonce.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let issuedAt = Int64(parts[0]) else { return false }
        let head = "\(parts[0]).\(parts[1])"
        guard ConstantTime.equals(mac(head, user: user, session: session, request: request), String(parts[2])) else { return false }
        let now = clock.now()
        // A minute's grace for instances whose clocks differ a little; never older than the lifetime.
        guard issuedAt <= now + 60, now - issuedAt <= Self.lifetime else { return false }
        return try await repository.record(
            hash: OpaqueSecret.hash(nonce), workspaceID: user.workspaceID, expiresAt: issuedAt + Self.lifetime, now: now)
    }

    private func mac(_ head: String, user: UserAccount, session: String, request: ValidatedAuthorizationRequest) -> String {
        // Each field length-prefixed (absent ones marked), so no two different requests encode alike.
        func field(_ value: String?) -> String { value.map { "\($0.utf8.count):\($0)" } ?? "-" }
        let message = [
            "consent-decision v1", head, String(user.workspaceID), String(user.id), session,
            request.client.clientID, request.redirectURI, request.redirectURIWasSent ? "sent" : "stored",
            request.scope.description, request.state, request.responseType.rawValue, request.codeChallenge,
            // The APIs the token will be for are part of what the user decides (attacker's pass, issue 15).
            request.target.resources.joined(separator: " "),
        ].map(field).joined(separator: "|")
        return Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)))
    }
}
