import Foundation
import PortcullisCore
import Testing

@testable import PortcullisServer
@testable import PortcullisWire

/// The hand-written JSON of the hot responses reads back as the very value, with the members JSONEncoder writes (its
/// member order on Linux is not fixed, so objects are compared, not bytes).
@Suite("Responses: the flat JSON writer")
struct ResponseEncodingTests {
    static let awkward = [
        "", "plain", "a/b https://x.example/cb", "quote \" and \\ backslash", "tab\tnew\nline\r", "\u{01}\u{1f}\u{08}\u{0c}", "é ünï 🔑", "\u{7f}",
    ]

    static func flat(_ value: some FlatJSONEncodable) -> Data {
        var writer = FlatJSONWriter()
        value.writeJSON(&writer)
        return Data(writer.finish())
    }

    /// Same members and values as JSONEncoder's output, and decodes back to `value`.
    static func check<T: Codable & Equatable & FlatJSONEncodable>(_ value: T) throws {
        let written = flat(value)
        #expect(try JSONDecoder().decode(T.self, from: written) == value, "\(String(decoding: written, as: UTF8.self))")
        let mine = try #require(try JSONSerialization.jsonObject(with: written) as? NSDictionary)
        let theirs = try #require(try JSONSerialization.jsonObject(with: try Responses.encoder.encode(value)) as? NSDictionary)
        #expect(mine == theirs)
        #expect(!String(decoding: written, as: UTF8.self).contains("\\/"), "slashes stay unescaped, as the encoder is set")
    }

    @Test("Token responses, with and without a refresh token and scope, any characters")
    func tokens() throws {
        for text in Self.awkward {
            try Self.check(TokenResponse(accessToken: "ey.\(text)", tokenType: "Bearer", expiresIn: 3600, refreshToken: text, scope: text))
            try Self.check(TokenResponse(accessToken: text, tokenType: "bearer", expiresIn: 0, refreshToken: nil, scope: nil))
        }
    }

    @Test("Introspection responses, inactive and full, any characters")
    func introspections() throws {
        try Self.check(IntrospectionResponse(active: false))
        for text in Self.awkward {
            try Self.check(
                IntrospectionResponse(
                    active: true, scope: text, clientID: text, tokenType: "Bearer", exp: 1_900_000_000, iat: -5, nbf: 0, sub: text, aud: Audience(text),
                    iss: "https://\(text)/", jti: text))
        }
    }
}
