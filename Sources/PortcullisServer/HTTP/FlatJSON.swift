import PortcullisWire

/// The two bodies on the hot paths (a token, an introspection) written straight into bytes: Foundation's JSONEncoder
/// was 7% of an introspection's CPU (issue 14). The same members and values as the encoder writes (slashes
/// unescaped, RFC 8259 escapes); ResponseEncodingTests reads both back and compares them.
protocol FlatJSONEncodable {
    func writeJSON(_ writer: inout FlatJSONWriter)
}

struct FlatJSONWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    init() { bytes.reserveCapacity(1024) }

    private mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        quoted(value)
    }

    /// An audience: one as a string, several as an array (RFC 7519 §4.1.3), as `Audience` encodes it.
    mutating func audience(_ name: StaticString, _ value: Audience?) {
        guard let values = value?.values else { return }
        key(name)
        if values.count == 1 { return quoted(values[0]) }
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // RFC 8259 §7: the quotation mark, the reverse solidus and the control characters are escaped.
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func integer(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

extension TokenResponse: FlatJSONEncodable {
    func writeJSON(_ writer: inout FlatJSONWriter) {
        writer.string("access_token", accessToken)
        writer.string("token_type", tokenType)
        writer.integer("expires_in", expiresIn)
        writer.string("refresh_token", refreshToken)
        writer.string("scope", scope)
    }
}

extension IntrospectionResponse: FlatJSONEncodable {
    func writeJSON(_ writer: inout FlatJSONWriter) {
        writer.bool("active", active)
        writer.string("scope", scope)
        writer.string("client_id", clientID)
        writer.string("token_type", tokenType)
        writer.integer("exp", exp)
        writer.integer("iat", iat)
        writer.integer("nbf", nbf)
        writer.string("sub", sub)
        writer.audience("aud", aud)
        writer.string("iss", iss)
        writer.string("jti", jti)
        writer.string("workspace", workspace)
    }
}
