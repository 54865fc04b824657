/// How many failures each kind of key may have in a window, and how a username past its limit is slowed down.
public struct ThrottlePolicy: Sendable {
    public var window: Int64
    /// Failures per username per window before its attempts are slowed down; also the hard limit of one
    /// (username, address) pair.
    public var perUsername: Int
    public var perAddress: Int
    /// The first slow-down past the username's limit; each further failure doubles it, up to `slowDownCap`.
    public var slowDownBase: Duration
    /// The longest any attempt is slowed down: what an attack on an account costs its real owner per sign-in.
    public var slowDownCap: Duration
    /// How long a request refused only by running attempts of its keys waits for them before it is refused.
    public var queuePatience: Duration
    /// How a slowed-down attempt waits: `Task.sleep`; tests record the delay instead of waiting it.
    public var sleep: @Sendable (Duration) async -> Void

    public init(
        window: Int64 = 60, perUsername: Int = 5, perAddress: Int = 50, slowDownBase: Duration = .seconds(1),
        slowDownCap: Duration = .seconds(10), queuePatience: Duration = .seconds(10),
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.window = window
        self.perUsername = perUsername
        self.perAddress = perAddress
        self.slowDownBase = slowDownBase
        self.slowDownCap = slowDownCap
        self.queuePatience = queuePatience
        self.sleep = sleep
    }

    /// The hard limit of a kind of key; nil for a username, which never refuses.
    public func limit(for kind: ThrottleKey.Kind) -> Int? {
        switch kind {
        case .username: nil
        case .pair: perUsername
        case .address: perAddress
        }
    }

    /// The delay of an attempt made when its username already has `failures` in the window: none below the limit,
    /// then the base, doubling with each failure, never above the cap.
    public func slowDown(afterFailures failures: Int) -> Duration {
        guard failures >= perUsername, slowDownCap > .zero else { return .zero }
        let doublings = failures - perUsername
        guard doublings < 31 else { return slowDownCap }
        return min(slowDownBase * (1 << doublings), slowDownCap)
    }

    /// Seconds until a window that started at `windowStart` is over, at least 1.
    func retryAfter(_ windowStart: Int64, now: Int64) -> Int { Int(max(windowStart + window - now, 1)) }
}
