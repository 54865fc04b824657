public import PortcullisCore
import SQLKit

/// The change feed of M0019 (its triggers write it).
struct ChangeStore: ChangeRepository {
    let store: Store

    private struct Row: Decodable {
        let kind: String
        let target: Int
        let recordedAt: Int64
    }

    func latestChange() async throws -> Int64? {
        try await store.sql.raw("SELECT MAX(recorded_at) AS latest FROM mirror_changes").first(decodingColumn: "latest", as: Int64?.self) ?? nil
    }

    func changes(recordedSince since: Int64) async throws -> [RecordChange] {
        try await store.sql.raw("SELECT kind, target, recorded_at FROM mirror_changes WHERE recorded_at >= \(bind: since)")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .compactMap { row in RecordChange.Kind(rawValue: row.kind).map { RecordChange(kind: $0, target: row.target, recordedAt: row.recordedAt) } }
    }
}

extension Store {
    public var changes: any ChangeRepository { ChangeStore(store: self) }
}
