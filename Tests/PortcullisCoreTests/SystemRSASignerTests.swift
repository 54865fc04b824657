import Foundation
import JWTKit
import Testing

@testable import PortcullisCore

@Suite("RS256 through the system's OpenSSL 3")
struct SystemRSASignerTests {
    @Test("Signs the very bytes BoringSSL signs (PKCS#1 v1.5 is deterministic), and jwt-kit verifies them")
    func sameSignatures() async throws {
        let key = try await SigningKeyMaterial.generate(.rs256).load()
        #if os(Linux)
        // Debian's libssl3 is a dependency of libcurl4, which the Swift toolchain needs: it is always there.
        #expect(key.signsWithSystemOpenSSL, "libcrypto.so.3 was not found: RS256 signs at BoringSSL's speed")
        #endif
        let system = try #require(key.systemSigner)
        for length in [0, 1, 300, 5000] {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let fast = try system.sign(input)
            #expect(fast == (try key.signer.sign(input)))
            #expect(key.verify(signature: fast, input: input))
        }
    }

    @Test("PORTCULLIS_SYSTEM_RSA=0 turns it off; keys that are not RSA never use it")
    func switchedOff() async throws {
        let material = try SigningKeyMaterial.generate(.rs256)
        #expect(SystemRSASigner(pem: material.privateKey, environment: ["PORTCULLIS_SYSTEM_RSA": "0"]) == nil)
        let ec = try SigningKeyMaterial.generate(.es256)
        #expect(SystemRSASigner(pem: ec.privateKey, environment: [:]) == nil)
        #expect(!(try await ec.load()).signsWithSystemOpenSSL)
        #expect(SystemRSASigner(pem: "not a key", environment: [:]) == nil)
    }
}
