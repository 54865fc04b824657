import Synchronization

/// The signing keys this instance knows: the active one signs, every published one verifies.
/// Refreshed from the store at least once a second so a key rotated anywhere is used everywhere.
public final class KeyRing: Sendable {
    private struct State {
        var active: LoadedSigningKey?
        var byKID: [String: LoadedSigningKey] = [:]
        var version: String = ""
    }
    private let state = Mutex(State())

    public init() {}

    /// Replaces the keys; `version` lets the poller skip reloading when nothing changed.
    public func install(active: LoadedSigningKey?, published: [LoadedSigningKey], version: String) {
        state.withLock {
            $0.active = active
            $0.byKID = Dictionary(published.map { ($0.kid, $0) }, uniquingKeysWith: { first, _ in first })
            if let active { $0.byKID[active.kid] = active }
            $0.version = version
        }
    }

    public var version: String { state.withLock { $0.version } }
    public var active: LoadedSigningKey? { state.withLock { $0.active } }
    public func key(kid: String) -> LoadedSigningKey? { state.withLock { $0.byKID[kid] } }

    /// Every published key, active first, for the JWKS document.
    public var published: [LoadedSigningKey] {
        state.withLock { s in
            let rest = s.byKID.values.filter { $0.kid != s.active?.kid }.sorted { $0.kid < $1.kid }
            return (s.active.map { [$0] } ?? []) + rest
        }
    }
}
