import Foundation
import Testing

@testable import PortcullisCore

@Suite("Secrets")
struct SecretsTests {
    @Test("Opaque secrets carry a prefix and 256 random bits, and differ")
    func opaque() {
        let token = OpaqueSecret.generate(.refreshToken)
        #expect(token.hasPrefix("pcl_rt_"))
        #expect(Base64URL.decode(token.dropFirst(7))?.count == 32)
        #expect(OpaqueSecret.hasShape(token, of: .refreshToken))
        #expect(!OpaqueSecret.hasShape(token, of: .authorizationCode))
        #expect(token != OpaqueSecret.generate(.refreshToken))
        #expect(OpaqueSecret.hash(token).count == 64)
        #expect(OpaqueSecret.hash(token) == OpaqueSecret.hash(token))
    }

    @Test("Constant-time comparison is still a comparison")
    func constantTime() {
        #expect(ConstantTime.equals("abc", "abc"))
        #expect(!ConstantTime.equals("abc", "abd"))
        #expect(!ConstantTime.equals("abc", "abcd"))
        #expect(!ConstantTime.equals("", "a"))
    }

    /// Every `==` or `!=` in Sources/ whose operand names a secret (a CSRF token, a client secret or its hash, a PKCE
    /// challenge or verifier, a password or its hash), as "file:line: text". Comparisons with nil, true, false or a
    /// number say nothing about the secret's value and are left out. A heuristic: it goes by names, so `a == b` on two
    /// secrets named otherwise passes; review is still the rule.
    static func plainSecretComparisons(in sources: URL) throws -> [String] {
        let secretWords = ["csrf", "secret", "challenge", "verifier", "hash", "password"]
        // Operands: names, member chains, calls, subscripts (`headers[.csrfToken]`, `fields["csrf"]`) and `$0`.
        let comparison = try NSRegularExpression(pattern: #"([A-Za-z_$][\w.?!()\[\]"$]*)\s*(==|!=)\s*([A-Za-z_"$][\w.?!()\[\]"$]*)"#)
        func namesSecret(_ operand: String) -> Bool {
            let lowered = operand.lowercased()
            return secretWords.contains { lowered.contains($0) } && !lowered.hasSuffix("isempty") && !lowered.hasSuffix("count")
        }
        func isPlainLiteral(_ operand: String) -> Bool {
            let bare = operand.trimmingCharacters(in: CharacterSet(charactersIn: "()!"))
            return ["nil", "true", "false"].contains(bare) || Int(bare) != nil
        }
        var found: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        for file in files where file.pathExtension == "swift" {
            for (number, line) in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let text = String(line)
                if text.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                for match in comparison.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let left = (text as NSString).substring(with: match.range(at: 1))
                    let right = (text as NSString).substring(with: match.range(at: 3))
                    if isPlainLiteral(left) || isPlainLiteral(right) { continue }
                    if namesSecret(left) || namesSecret(right) {
                        found.append("\(file.lastPathComponent):\(number + 1): \(text.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        return found
    }

    @Test("Secrets are compared in constant time: no == or != on a secret anywhere in Sources (DESIGN.md, security)")
    func noPlainSecretComparisons() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        #expect(FileManager.default.fileExists(atPath: sources.appendingPathComponent("PortcullisCore").path), "\(sources.path)")
        let found = try Self.plainSecretComparisons(in: sources)
        #expect(found == [], "use ConstantTime.equals: \(found.joined(separator: "\n"))")
        // The scan itself finds what it is for (so an empty answer above means something).
        let sample = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: sample) }
        try """
        guard let sent = fields["csrf"], sent == session.csrfToken else { return }
        if computed != client.secretHash { throw OAuthError.invalidClient }
        guard request.headers[.csrfToken] == signedIn.session.csrfToken else { return }
        let matches = tokens.filter { $0 == session.csrfToken }
        if fields["password"] != stored { return }
        if (client.secretHash == nil) || secret?.isEmpty == true || user.tokenVersion == session.tokenVersion { return }
        """.write(to: sample.appendingPathComponent("Sample.swift"), atomically: true, encoding: .utf8)
        let lines = try Self.plainSecretComparisons(in: sample).map { String($0.prefix { $0 != " " }) }
        #expect(lines == ["Sample.swift:1:", "Sample.swift:2:", "Sample.swift:3:", "Sample.swift:4:", "Sample.swift:5:"])
    }

    @Test("Client secrets are stored as a keyed hash and checked against it")
    func clientSecretHash() throws {
        let key = try ServerKey(text: ServerKey.generateText())
        let hasher = ClientSecretHasher(serverKey: key)
        let secret = OpaqueSecret.generate(.clientSecret)
        let stored = hasher.hash(secret)
        #expect(!stored.contains(secret))
        #expect(hasher.verify(secret, against: stored))
        #expect(!hasher.verify(secret + "x", against: stored))
        #expect(!hasher.verify(secret, against: "not hex"))
        // Another server key gives another hash: a stolen table cannot be checked offline without the key.
        let other = ClientSecretHasher(serverKey: try ServerKey(text: ServerKey.generateText()))
        #expect(!other.verify(secret, against: stored))
    }

    @Test("Short server keys are refused")
    func shortKeys() {
        #expect(throws: ServerKeyError.self) { try ServerKey(text: "too short") }
        #expect(throws: ServerKeyError.self) { try ServerKey(material: [1, 2, 3]) }
    }

    @Test("Signing keys are sealed: the kid is bound, another server key cannot open them")
    func sealing() throws {
        let key = try ServerKey(text: ServerKey.generateText())
        let sealer = KeySealer(serverKey: key)
        let sealed = try sealer.seal("PRIVATE KEY", kid: "k1")
        #expect(!sealed.contains("PRIVATE"))
        #expect(try sealer.open(sealed, kid: "k1") == "PRIVATE KEY")
        #expect(throws: (any Error).self) { try sealer.open(sealed, kid: "k2") }
        #expect(throws: (any Error).self) { try KeySealer(serverKey: try ServerKey(text: ServerKey.generateText())).open(sealed, kid: "k1") }
    }

    @Test("base64url round-trips and refuses padding and junk")
    func base64url() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("ab=c") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab+c") == nil && Base64URL.decode("ab/c") == nil && Base64URL.decode("ab c") == nil)
    }

    @Test("base64url agrees with Foundation's base64 on every length, and accepts only the canonical spelling")
    func base64urlMatchesFoundation() {
        for length in 0..<70 {
            let bytes = SecureRandom.bytes(length)
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == foundation)
            #expect(Base64URL.decode(foundation) == bytes)
        }
        // "QQ" is the byte 0x41; "QR" differs only in bits that are dropped, so it is a second spelling and refused
        // (RFC 4648 §3.5), as is "QUF" against "QUE".
        #expect(Base64URL.decode("QQ") == [0x41] && Base64URL.decode("QR") == nil)
        #expect(Base64URL.decode("QUE") == [0x41, 0x41] && Base64URL.decode("QUF") == nil)
    }
}

@Suite("Revocation list")
struct RevocationListTests {
    func claims(jti: String = "t1", grant: String? = "7", client: String = "C", subject: String = "42", iat: Int64 = 1000) -> AccessTokenClaims {
        AccessTokenClaims(
            issuer: "i", subject: subject, audience: ["a"], clientID: client, scope: .everything, tokenID: jti, grantID: grant,
            issuedAt: iat, expiresAt: iat + 3600)
    }

    @Test("Each kind of row revokes what it names, and only that")
    func kinds() {
        let list = RevocationList()
        #expect(!list.isRevoked(claims()))
        list.apply([Revocation(kind: .token, value: "t1", revokedAt: 1000, expiresAt: 5000)])
        #expect(list.isRevoked(claims()))
        #expect(!list.isRevoked(claims(jti: "t2")))
        list.apply([Revocation(kind: .grant, value: "8", revokedAt: 1000, expiresAt: 5000)])
        #expect(list.isRevoked(claims(jti: "t3", grant: "8")))
        #expect(!list.isRevoked(claims(jti: "t3", grant: "9")))
        list.apply([Revocation(kind: .client, value: "D", revokedAt: 2000, expiresAt: 9000)])
        #expect(list.isRevoked(claims(jti: "t4", grant: nil, client: "D", iat: 2000)))
        #expect(!list.isRevoked(claims(jti: "t4", grant: nil, client: "D", iat: 2001)))
        list.apply([Revocation.forUser(43, version: 2, revokedAt: 3000, expiresAt: 9000)])
        var old = claims(jti: "t5", grant: nil, subject: "43", iat: 3000)
        old.userVersion = 1
        #expect(list.isRevoked(old))
        var current = old
        current.userVersion = 2
        #expect(!list.isRevoked(current), "a token issued after the revocation, even in the same second, is good")
        #expect(!list.isRevoked(claims(jti: "t6", grant: nil, subject: "44", iat: 1)))
    }

    @Test("Expired rows are pruned")
    func pruning() {
        let list = RevocationList()
        list.apply([
            Revocation(kind: .token, value: "a", revokedAt: 1, expiresAt: 10),
            Revocation(kind: .token, value: "b", revokedAt: 1, expiresAt: 100),
        ])
        list.prune(now: 50)
        #expect(list.count == 1)
        #expect(list.isRevoked(claims(jti: "b")))
    }
}
