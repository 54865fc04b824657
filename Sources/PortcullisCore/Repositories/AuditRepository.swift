/// Something worth a trail: sign-ins, throttling, token reuse. Never a secret.
public struct AuditEvent: Sendable {
    public var workspaceID: Int?
    public var kind: String
    public var userID: Int?
    /// A username as typed, a client id: who or what the event is about.
    public var subject: String?
    public var address: String?
    public var createdAt: Int64

    public init(workspaceID: Int?, kind: String, userID: Int? = nil, subject: String? = nil, address: String? = nil, createdAt: Int64) {
        self.workspaceID = workspaceID
        self.kind = kind
        self.userID = userID
        self.subject = subject
        self.address = address
        self.createdAt = createdAt
    }
}

public protocol AuditRepository: Sendable {
    func record(_ event: AuditEvent) async throws
    func recent(workspaceID: Int, limit: Int) async throws -> [AuditEvent]
}
