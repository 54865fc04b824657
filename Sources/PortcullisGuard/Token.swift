import Foundation
import PortcullisWire

/// The protected header of a JWS (RFC 7515 §4.1), the members the guard looks at.
struct TokenHeader: Decodable {
    var alg: String?
    var kid: String?
    var typ: String?
    var crit: [String]?
}

/// The claims of an RFC 9068 access token as Portcullis writes them. Every member is optional here so that a missing
/// one is reported as such instead of as a decoding failure.
struct AccessTokenClaims: Decodable {
    var iss: String?
    var sub: String?
    var aud: Audience?
    var clientID: String?
    var scope: String?
    var scopes: [String]?
    var jti: String?
    var gid: String?
    var patFrom: [String]?
    var uv: Int64?
    var workspace: String?
    var iat: Double?
    var nbf: Double?
    var exp: Double?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, scope, scopes, jti, gid, uv, workspace, iat, nbf, exp
        case clientID = "client_id"
        case patFrom = "pat_from"
    }

    var allScopes: Set<String> {
        var result = Set((scope ?? "").split(separator: " ").map(String.init))
        result.formUnion(scopes ?? [])
        return result
    }
}

/// A compact JWS split into its parts (RFC 7515 §7.1), nothing verified yet.
struct CompactToken {
    var header: TokenHeader
    var signingInput: Substring
    var payload: Data
    var signature: Data

    init?(_ token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty,
            let headerData = base64URLDecode(parts[0]), let payload = base64URLDecode(parts[1]),
            let signature = base64URLDecode(parts[2]),
            let header = try? JSONDecoder().decode(TokenHeader.self, from: headerData)
        else { return nil }
        self.header = header
        self.signingInput = token[parts[0].startIndex..<parts[1].endIndex]
        self.payload = payload
        self.signature = signature
    }
}

func base64URLDecode(_ text: Substring) -> Data? {
    guard text.utf8.allSatisfy({ isBase64URL($0) }) else { return nil }
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    switch base64.utf8.count % 4 {
    case 0: break
    case 2: base64 += "=="
    case 3: base64 += "="
    default: return nil
    }
    return Data(base64Encoded: base64)
}

private func isBase64URL(_ c: UInt8) -> Bool {
    (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
}

/// Takes the token out of an `Authorization` value: scheme `Bearer` in any case (RFC 7235 §2.1), one space, one
/// `b64token` (RFC 6750 §2.1). Anything else with the Bearer scheme is `invalid_request`; another scheme, or no header,
/// is a request without Bearer credentials.
func bearerToken(from authorization: String?) -> Result<String, GuardError> {
    guard let authorization else { return .failure(.missingToken) }
    // Over the UTF-8 bytes, once: Foundation's trimming walked the header as UTF-16 and was the largest cost of a
    // guarded request (bench/run, issue 15).
    var utf8 = authorization.utf8[...]
    func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    while let first = utf8.first, isBlank(first) { utf8 = utf8.dropFirst() }
    while let last = utf8.last, isBlank(last) { utf8 = utf8.dropLast() }
    if utf8.isEmpty { return .failure(.missingToken) }
    let scheme = utf8.prefix { !isBlank($0) }
    // The scheme is case-insensitive (RFC 9110 §11.1): "bearer", ASCII letters folded.
    guard scheme.count == 6, zip(scheme, "bearer".utf8).allSatisfy({ ($0 | 0x20) == $1 }) else { return .failure(.missingToken) }
    let rest = utf8.dropFirst(6)
    guard rest.first == 0x20, rest.count > 1 else { return .failure(.invalidRequest("the Bearer scheme needs exactly one token")) }
    let token = rest.dropFirst()
    guard isB64Token(token) else { return .failure(.invalidRequest("the Bearer credentials must be exactly one token")) }
    return .success(String(decoding: token, as: UTF8.self))
}

/// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
private func isB64Token(_ token: Substring.UTF8View) -> Bool {
    var body = token
    while body.last == 0x3D { body = body.dropLast() }
    guard !body.isEmpty else { return false }
    return body.allSatisfy { c in isBase64URL(c) || c == 0x2E || c == 0x7E || c == 0x2B || c == 0x2F }
}
