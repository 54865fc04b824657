import Logging

/// Creates, rotates and loads signing keys. The private halves are sealed under the server key before they
/// reach the store, and opened only here.
public struct SigningKeyManager: Sendable {
    let repository: any SigningKeyRepository
    let sealer: KeySealer
    public let ring: KeyRing
    let algorithm: SigningAlgorithm
    /// How long a retired key stays published: the longest lifetime of a token it may have signed.
    let retiredKeyLifetime: Int64
    let clock: Clock

    public init(
        repository: any SigningKeyRepository, sealer: KeySealer, ring: KeyRing, algorithm: SigningAlgorithm,
        retiredKeyLifetime: Int64, clock: Clock = .system
    ) {
        self.repository = repository
        self.sealer = sealer
        self.ring = ring
        self.algorithm = algorithm
        self.retiredKeyLifetime = retiredKeyLifetime
        self.clock = clock
    }

    private func stored(_ material: SigningKeyMaterial) throws -> StoredSigningKey {
        StoredSigningKey(
            kid: material.kid, algorithm: material.algorithm,
            sealedPrivateKey: try sealer.seal(material.privateKey, kid: material.kid), state: .active,
            createdAt: clock.now(), publishUntil: nil)
    }

    /// On first start: makes the first key, unless another process already did.
    public func ensureActiveKey() async throws {
        let now = clock.now()
        if try await repository.publishedKeys(now: now).contains(where: { $0.state == .active }) { return }
        _ = try await repository.activateFirst(try stored(try SigningKeyMaterial.generate(algorithm)))
    }

    /// Makes a new active key; the previous one stays published until the tokens it signed have expired.
    @discardableResult
    public func rotate(to newAlgorithm: SigningAlgorithm? = nil) async throws -> StoredSigningKey {
        let key = try stored(try SigningKeyMaterial.generate(newAlgorithm ?? algorithm))
        let now = clock.now()
        try await repository.activate(key, retiredPublishUntil: now + retiredKeyLifetime, now: now)
        return key
    }

    /// Loads the published keys into the ring when they changed; cheap when they did not.
    public func reload() async throws {
        let keys = try await repository.publishedKeys(now: clock.now())
        let version = keys.map { "\($0.kid):\($0.state.rawValue)" }.joined(separator: ",")
        if version == ring.version { return }
        var loaded: [LoadedSigningKey] = []
        var active: LoadedSigningKey?
        for key in keys {
            let ready: LoadedSigningKey
            if let existing = ring.key(kid: key.kid) {
                ready = existing
            } else {
                let privateKey = try sealer.open(key.sealedPrivateKey, kid: key.kid)
                ready = try await SigningKeyMaterial(kid: key.kid, algorithm: key.algorithm, privateKey: privateKey).load()
            }
            loaded.append(ready)
            if key.state == .active && active == nil { active = ready }
        }
        ring.install(active: active, published: loaded, version: version)
    }
}
