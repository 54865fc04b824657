import CSystemRSA

/// RS256 signing through the system's OpenSSL 3 when it is there (see system_rsa.h): on CPUs with AVX-512 IFMA it
/// signs RSA-2048 about twice as fast as swift-crypto's BoringSSL, and RS256 is the default algorithm, so every token
/// issued costs half. PKCS#1 v1.5 signatures are deterministic, so both libraries give the same bytes
/// (SigningKeyTests checks it); verification stays with jwt-kit.
final class SystemRSASigner: @unchecked Sendable {
    // @unchecked: OpenSSL 3 allows one EVP_PKEY to be used by several threads at once (each signing call makes its
    // own EVP_MD_CTX), and the pointer never changes after init.
    private let key: UnsafeMutableRawPointer
    private let size: Int

    /// nil when libcrypto.so.3 is missing, the PEM is not an RSA key, or `PORTCULLIS_SYSTEM_RSA=0` turned it off.
    init?(pem: String, environment: [String: String]) {
        guard environment["PORTCULLIS_SYSTEM_RSA"] != "0" else { return nil }
        var pem = pem
        guard let key = pem.withUTF8({ portcullis_system_rsa_load($0.baseAddress, $0.count) }) else { return nil }
        self.key = key
        self.size = Int(portcullis_system_rsa_size(key))
        guard size > 0 else {
            portcullis_system_rsa_free(key)
            return nil
        }
    }

    deinit { portcullis_system_rsa_free(key) }

    func sign(_ input: [UInt8]) throws -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: size)
        var length = size
        let ok = signature.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { message in
                portcullis_system_rsa_sign(key, message.baseAddress, message.count, out.baseAddress, &length)
            }
        }
        guard ok == 1 else { throw SigningFailure() }
        return Array(signature.prefix(length))
    }

    struct SigningFailure: Error {}
}
