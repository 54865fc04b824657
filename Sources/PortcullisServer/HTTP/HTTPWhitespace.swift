extension Substring {
    /// Without the spaces and tabs at either end: HTTP's optional whitespace (RFC 9110 §5.6.3). Over UTF-8 bytes,
    /// because Foundation's `trimmingCharacters(in:)` bridges to NSString on Linux: it was 5% of an introspection.
    func trimmingHTTPWhitespace() -> String {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }), let last = utf8.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(decoding: utf8[first...last], as: UTF8.self)
    }
}

extension String {
    func trimmingHTTPWhitespace() -> String { self[...].trimmingHTTPWhitespace() }
}
