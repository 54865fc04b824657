public import PortcullisGuard
public import ServiceLifecycle

/// The guard's background loops (keys, revocation feed) as a swift-service-lifecycle `Service`, to run beside a
/// Hummingbird `Application` (`app.addServices(PortcullisGuardService(guard))`). It stops on graceful shutdown.
public struct PortcullisGuardService: Service {
    public let `guard`: PortcullisGuard

    public init(_ guard: PortcullisGuard) { self.guard = `guard` }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.guard.run()
        }
    }
}
