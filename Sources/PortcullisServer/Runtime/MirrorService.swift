import Logging
import PortcullisCore
import PortcullisStore
import ServiceLifecycle
import Synchronization

/// Keeps this instance's in-memory mirrors (revocations, users and clients, signing keys, addresses throttled) in step with the database, so a
/// revoke or a key rotation made anywhere is seen here within a second.
struct MirrorService: Service {
    let portcullis: Portcullis

    func run() async throws {
        // Stop promptly when the server shuts down.
        await cancelWhenGracefulShutdown { await self.refreshLoop() }
    }

    private func refreshLoop() async {
        let interval = portcullis.configuration.mirrorInterval
        // Re-read a few seconds back each time: rows committed late (or by a clock a little behind) are not
        // missed, and applying a row twice is harmless.
        var since = portcullis.clock.now() - 5
        var lastPrune = since
        // The first grant purge a minute after start, then hourly: an instance restarted often still purges.
        var lastGrantPurge = since - 3600 + 60
        var failures = 0
        while !Task.isCancelled {
            do {
                // While the database is away, back off (up to 5 s) instead of hammering it four times a second.
                let pause = failures == 0 ? interval : min(5, interval * Double(1 << min(failures, 5)))
                try await Task.sleep(for: .milliseconds(Int(pause * 1000)))
            } catch {
                // Shutting down: keep the last-used times gathered since the last write.
                try? await portcullis.store.personalTokens.recordUse(portcullis.tokenUsage.drain())
                return
            }
            let now = portcullis.clock.now()
            do {
                // The four reads of a pass go out together: on a busy database the pass takes the longest one, not
                // their sum, which keeps the one-second promise with room to spare.
                let from = since - 5
                async let rows = portcullis.store.revocations.revocations(recordedSince: from, now: now)
                async let changes: Void = portcullis.mirrors.follow(portcullis.store.changes)
                async let keys: Void = portcullis.keyManager.reload()
                // The addresses full of failures, from every instance: the token endpoint checks them in memory.
                async let addresses: Void = portcullis.authorizationServer.limiter.refreshShared(now: now)
                // Resource servers are few: the whole table, every pass.
                async let resources: Void = portcullis.resourceCatalog.reload(from: portcullis.store.resourceServers)
                portcullis.revocationList.apply(try await rows)
                since = now
                try await changes
                try await keys
                try await addresses
                try await resources
                portcullis.mirrorPasses.add(1, ordering: .releasing)
                if failures > 0 {
                    portcullis.logger.notice("the database answers again; mirrors are current")
                    failures = 0
                }
                if now - lastPrune >= 60 {
                    try await portcullis.store.personalTokens.recordUse(portcullis.tokenUsage.drain())
                    portcullis.revocationList.prune(now: now)
                    _ = try await portcullis.store.purgeExpired(now: now)
                    try await portcullis.store.throttle.purge(before: now - portcullis.configuration.throttle.window)
                    lastPrune = now
                }
                if now - lastGrantPurge >= 3600 {
                    _ = try await portcullis.store.purgeFinishedGrants(now: now, accessTokenLifetime: portcullis.configuration.accessTokenLifetime)
                    lastGrantPurge = now
                }
            } catch {
                if failures == 0 {
                    portcullis.logger.warning(
                        "cannot refresh the revocation and key mirrors; retrying", metadata: ["error": "\(String(describing: type(of: error)))"])
                }
                failures += 1
            }
        }
    }
}
