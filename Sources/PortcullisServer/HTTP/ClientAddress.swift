import Foundation
import HTTPTypes
import Hummingbird

#if canImport(Glibc)
import Glibc
#endif

/// An IP address or CIDR range, IPv4 or IPv6, for the trusted-proxy list.
public struct AddressRange: Sendable, Equatable {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let address = AddressRange.parse(String(parts[0])) else { return nil }
        let bits = address.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        self.bytes = address
        self.prefix = prefix
    }

    public func contains(_ text: String) -> Bool {
        guard let address = AddressRange.parse(text), address.count == bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address, bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// 4 or 16 bytes.
    static func parse(_ text: String) -> [UInt8]? {
        var trimmed = text.trimmingHTTPWhitespace()
        if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") { trimmed = String(trimmed.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, trimmed, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, trimmed, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

extension Portcullis {
    /// The address of the client behind the request: the TCP peer, or, when the peer is a trusted proxy, the last
    /// address in X-Forwarded-For that is not itself a trusted proxy. Anyone else's X-Forwarded-For is ignored.
    func clientAddress(_ request: Request, _ context: some PortcullisRequestContext) -> String? {
        guard let peer = context.remoteAddress else { return nil }
        return Self.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor], trusted: configuration.trustedProxies)
    }

    /// The rule, without HTTP types: walk X-Forwarded-For from the right (the hop our proxy added) past trusted
    /// proxies; the first other address is the client's. Only a trusted peer's header counts at all.
    static func clientAddress(peer: String, forwardedFor: [String], trusted proxies: [AddressRange]) -> String {
        guard proxies.contains(where: { $0.contains(peer) }), !forwardedFor.isEmpty else { return throttleBucket(peer) }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingHTTPWhitespace() }
            .filter { AddressRange.parse($0) != nil }
        for hop in hops.reversed() where !proxies.contains(where: { $0.contains(hop) }) { return throttleBucket(hop) }
        return throttleBucket(hops.first ?? peer)
    }

    /// The address as throttling counts it: IPv4 as is, IPv6 by its /64, which one subscriber usually holds whole.
    static func throttleBucket(_ address: String) -> String {
        guard let bytes = AddressRange.parse(address), bytes.count == 16 else { return address }
        return stride(from: 0, to: 8, by: 2).map { String(format: "%02x%02x", bytes[$0], bytes[$0 + 1]) }.joined(separator: ":") + "::/64"
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
