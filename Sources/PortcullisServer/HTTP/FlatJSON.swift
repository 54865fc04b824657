import PortcullisCore
import PortcullisWire

/// The two bodies on the hot paths (a token, an introspection) written straight into bytes: Foundation's JSONEncoder
/// was 7% of an introspection's CPU (issue 14). The same members and values as the encoder writes (slashes
/// unescaped, RFC 8259 escapes); ResponseEncodingTests reads both back and compares them.
protocol FlatJSONEncodable {
    func writeJSON(_ writer: inout FlatJSONWriter)
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
        writer.audience("aud", aud?.values)
        writer.string("iss", iss)
        writer.string("jti", jti)
        writer.string("workspace", workspace)
    }
}
