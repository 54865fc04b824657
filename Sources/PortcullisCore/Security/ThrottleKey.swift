import Crypto
import Foundation

/// What is being counted.
public struct ThrottleKey: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// One account, from anywhere: slows down, never refuses.
        case username
        /// One account from one address: refuses.
        case pair
        /// One address, whatever it tries: refuses.
        case address
    }
    public let kind: Kind
    public let value: String
    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// The (username, address) pair. Without an address (only in-process callers have none) the pair is the
    /// username's own, so a caller without one still meets a hard limit.
    public static func pair(_ username: String, _ address: String?) -> ThrottleKey {
        ThrottleKey(.pair, "\(username)\u{1F}\(address ?? "")")
    }

    /// A digest of the key: usernames as typed (sometimes a password typed in the wrong field) never reach storage.
    public var digest: String { Hex.encode(SHA256.hash(data: Data("\(kind.rawValue):\(value)".utf8))) }
}
