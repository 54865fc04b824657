import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the peer address, for throttling.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer, without the port; nil when unknown (in-process tests).
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// OAuth requests are small; anything larger is refused before it is parsed.
    public var maxUploadSize: Int { RequestParameters.maximumBodySize }
}
