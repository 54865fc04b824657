import Foundation
import Hummingbird
import PortcullisCore

/// The session middleware's storage: Hummingbird's `PersistDriver` over Core's session repository, which keeps
/// sessions in the database (they survive a restart and every instance sees them) under hashed keys.
struct SessionPersistDriver: PersistDriver {
    let sessions: any SessionRepository
    let clock: @Sendable () -> Int64

    init(sessions: any SessionRepository, clock: @escaping @Sendable () -> Int64) {
        self.sessions = sessions
        self.clock = clock
    }

    private func expiry(_ expires: Duration?, now: Int64) -> Int64? { expires.map { now + $0.components.seconds } }

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        let now = clock()
        do {
            try await sessions.create(key: key, value: json, expiresAt: expiry(expires, now: now), now: now)
        } catch RepositoryError.duplicate {
            throw PersistError.duplicate
        }
    }

    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        let now = clock()
        try await sessions.upsert(key: key, value: json, expiresAt: expiry(expires, now: now), now: now)
    }

    func getWithTTL<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        let now = clock()
        guard let session = try await sessions.session(key: key, now: now) else { return nil }
        do {
            let object = try JSONDecoder().decode(Object.self, from: Data(session.value.utf8))
            return (object, session.expiresAt.map { .seconds($0 - now) })
        } catch {
            throw PersistError.invalidConversion
        }
    }

    func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: type)?.object
    }

    func remove(key: String) async throws {
        try await sessions.remove(key: key)
    }
}
