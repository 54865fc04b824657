import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import PortcullisCore

/// Reads a token-style request body into one dictionary, whichever way the client encoded it:
/// `application/x-www-form-urlencoded` (RFC 6749 §4), `application/json` (seed 001) or `multipart/form-data`
/// (what PHP's cURL sends for an array, seed 000).
enum RequestParameters {
    /// The largest body accepted: 64 KiB.
    static let maximumBodySize = 64 * 1024

    static func parse(_ request: Request) async throws(OAuthError) -> [String: String] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodySize)
        } catch {
            throw .invalidRequest("The request body is larger than 64 KiB")
        }
        let body = String(buffer: buffer)
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingHTTPWhitespace().lowercased() } ?? ""
        switch mediaType {
        case "application/x-www-form-urlencoded":
            return try parseForm(body)
        case "":
            // RFC 6749 asks for a form body; a client that sends one without the header means the same.
            return buffer.readableBytes == 0 ? [:] : try parseForm(body)
        case "application/json":
            return try parseJSON(Array(buffer.readableBytesView))
        case "multipart/form-data":
            return try parseMultipart(buffer, contentType: contentType)
        default:
            throw .invalidRequest(
                "Unsupported content type \"\(mediaType.prefix(100))\"; send application/x-www-form-urlencoded, application/json or multipart/form-data")
        }
    }

    /// The one parameter that may be sent several times: RFC 8707 §2's `resource`. Its values are joined with
    /// spaces (a resource indicator has none), so every parameter still has one value.
    static let repeatableName = "resource"

    /// RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
    private static func insert(_ name: String, _ value: String, into parameters: inout [String: String]) throws(OAuthError) {
        if name == repeatableName {
            // Joined with a separator no value may hold, so each value stays exactly as sent (TokenTarget).
            guard !value.contains(TokenTarget.separator) else { throw .invalidTarget("A resource may not contain control characters") }
            if let earlier = parameters[name] {
                parameters[name] = earlier + String(TokenTarget.separator) + value
                return
            }
        }
        if parameters[name] != nil { throw .invalidRequest("The parameter \"\(name.prefix(100))\" was sent more than once") }
        parameters[name] = value
    }

    static func parseForm(_ body: String) throws(OAuthError) -> [String: String] {
        var body = body
        // Over the contiguous UTF-8 bytes by index: the generic split of a String.UTF8View cost 8% of an introspection.
        let pairs: [(String, String)]? = body.withUTF8 { bytes in
            var pairs: [(String, String)] = []
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
                if end > start {
                    let pair = UnsafeBufferPointer(rebasing: bytes[start..<end])
                    let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
                    guard let name = decodeFormComponent(bytes: UnsafeBufferPointer(rebasing: pair[..<equals])),
                        let value = decodeFormComponent(bytes: UnsafeBufferPointer(rebasing: pair[min(equals + 1, pair.endIndex)...]))
                    else { return nil }
                    pairs.append((name, value))
                }
                start = end + 1
            }
            return pairs
        }
        guard let pairs else { throw .invalidRequest("The form body is not valid application/x-www-form-urlencoded") }
        var parameters: [String: String] = [:]
        for (name, value) in pairs where !name.isEmpty { try insert(name, value, into: &parameters) }
        return parameters
    }

    /// One form-urlencoded component: `+` is a space, then percent-decoding (WHATWG URL, application/x-www-form-urlencoded).
    static func decodeFormComponent(_ text: Substring) -> String? {
        var text = text
        return text.withUTF8 { decodeFormComponent(bytes: $0) }
    }

    /// The same over bytes (a token is hundreds of them, on every request): nil for a broken `%XX` or bytes that are
    /// not UTF-8 once decoded.
    static func decodeFormComponent(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // Most components (tokens, ids, grant types) have nothing to decode.
        if !bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) {
            return String(validating: bytes, as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"): output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else { return nil }
                output.append(high << 4 | low)
                index += 2
            default: output.append(byte)
            }
            index += 1
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private enum JSONValue: Decodable {
        case string(String), integer(Int64), number(Double), bool(Bool), null, other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .other
            }
        }
    }

    /// The keys of the top-level JSON object, in order and with repeats; Foundation's decoders keep only the
    /// last of a repeated key, which would hide a repeated parameter. Assumes `bytes` is valid JSON.
    static func topLevelKeys(_ bytes: [UInt8]) -> [String] {
        var keys: [String] = []
        var depth = 0
        var index = 0
        var expectingKey = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = depth == 1 && byte == UInt8(ascii: "{")
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count && bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    index += 1
                }
                if expectingKey, let key = try? JSONDecoder().decode(String.self, from: Data(bytes[start...min(index, bytes.count - 1)])) {
                    keys.append(key)
                }
                expectingKey = false
            default:
                break
            }
            index += 1
        }
        return keys
    }

    /// Whether a JSON object repeats a top-level key. Foundation's decoders keep one of them silently (the first or
    /// the last, by decoder), so every JSON body refuses them, as RFC 6749 §3.2 asks of parameters.
    static func repeatsTopLevelKey(_ bytes: [UInt8]) -> Bool {
        let keys = topLevelKeys(bytes)
        return Set(keys).count != keys.count
    }

    static func parseJSON(_ bytes: [UInt8]) throws(OAuthError) -> [String: String] {
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))
        } catch {
            throw .invalidRequest("The body is not a valid JSON object")
        }
        var parameters: [String: String] = [:]
        for (name, value) in object {
            switch value {
            case .string(let text): parameters[name] = text
            // Seed 001 sends "client_id": "6"; a client that sends the number 6 means the same.
            case .integer(let number): parameters[name] = String(number)
            case .number(let number): parameters[name] = String(number)
            case .bool(let flag): parameters[name] = flag ? "true" : "false"
            case .null: continue
            case .other: throw .invalidRequest("The parameter \"\(name.prefix(100))\" must be a string")
            }
        }
        // A JSON object with a repeated key decodes to its last value; refuse it as RFC 6749 §3.2 asks.
        if repeatsTopLevelKey(bytes) { throw .invalidRequest("A parameter was sent more than once") }
        return parameters
    }

    static func parseMultipart(_ buffer: ByteBuffer, contentType: String) throws(OAuthError) -> [String: String] {
        guard let boundary = parameter("boundary", in: contentType), !boundary.isEmpty, boundary.count <= 200 else {
            throw .invalidRequest("The multipart body has no boundary")
        }
        let parser = MultipartParser(boundary: boundary)
        var parts: [(headers: [(String, String)], body: ByteBuffer)] = []
        var headers: [(String, String)] = []
        var body = ByteBuffer()
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append((headers, body))
            headers = []
            body = ByteBuffer()
        }
        do {
            try parser.execute(buffer)
        } catch {
            throw .invalidRequest("The multipart body is malformed")
        }
        var parameters: [String: String] = [:]
        for part in parts {
            guard let disposition = part.headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
                let name = parameter("name", in: disposition)
            else { throw .invalidRequest("A multipart part has no name") }
            try insert(name, String(buffer: part.body), into: &parameters)
        }
        return parameters
    }

    /// A `key=value` or `key="value"` parameter of a header value.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingHTTPWhitespace().lowercased() == key else { continue }
            var value = pair[1].trimmingHTTPWhitespace()
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}

/// HTTP Basic client credentials (RFC 6749 §2.3.1, RFC 7617).
enum BasicAuthorization {
    /// nil when the header is absent or uses another scheme.
    static func parse(_ header: String?) throws(OAuthError) -> BasicCredentials? {
        guard let header, header.count >= 6, header.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = header.dropFirst(6).trimmingHTTPWhitespace()
        guard let data = Data(base64Encoded: encoded), let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { throw .invalidRequest("The Authorization header is not valid Basic credentials") }
        // RFC 6749 §2.3.1: the id and secret are form-urlencoded before they are joined.
        guard let id = RequestParameters.decodeFormComponent(decoded[..<colon]),
            let secret = RequestParameters.decodeFormComponent(decoded[decoded.index(after: colon)...])
        else { throw .invalidRequest("The Authorization header is not valid Basic credentials") }
        return BasicCredentials(clientID: id, secret: secret)
    }

    /// Whether the request tried Basic at all, valid or not (RFC 6749 §5.2 then asks for `WWW-Authenticate`).
    static func attempted(_ header: String?) -> Bool {
        guard let header, header.count >= 5 else { return false }
        return header.prefix(5).lowercased() == "basic"
    }
}
