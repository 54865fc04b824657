import FluentKit
public import PortcullisCore
import SQLKit

struct AuditStore: AuditRepository {
    let store: Store

    private struct Row: Decodable {
        let workspaceId: Int?
        let kind: String
        let userId: Int?
        let subject: String?
        let address: String?
        let createdAt: Int64
    }

    func record(_ event: AuditEvent) async throws {
        try await store.sql.raw(
            """
            INSERT INTO audit_events (workspace_id, kind, user_id, subject, address, created_at)
            VALUES (\(bind: event.workspaceID), \(bind: event.kind), \(bind: event.userID), \(bind: event.subject.map { String($0.prefix(255)) }), \
            \(bind: event.address), \(bind: event.createdAt))
            """
        ).run()
    }

    func recent(workspaceID: Int, limit: Int) async throws -> [AuditEvent] {
        try await store.sql.raw(
            """
            SELECT workspace_id, kind, user_id, subject, address, created_at FROM audit_events
            WHERE workspace_id = \(bind: workspaceID) ORDER BY id DESC LIMIT \(bind: limit)
            """
        ).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map {
            AuditEvent(workspaceID: $0.workspaceId, kind: $0.kind, userID: $0.userId, subject: $0.subject, address: $0.address, createdAt: $0.createdAt)
        }
    }
}

extension Store {
    public var audit: any AuditRepository { AuditStore(store: self) }
}
