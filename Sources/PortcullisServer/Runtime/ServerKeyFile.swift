import Foundation
import PortcullisCore

#if canImport(Glibc)
import Glibc
#endif

/// Loads the server key from the configuration, or from `secret.key` in the data folder, creating that file
/// (mode 0600, exclusively, so two processes starting together agree) on first start.
enum ServerKeyFile {
    static let fileName = "secret.key"

    static func load(configuration: Configuration) throws -> ServerKey {
        if let text = configuration.secretKey { return try ServerKey(text: text) }
        let folder = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (folder as NSString).appendingPathComponent(fileName)
        let text = ServerKey.generateText()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            let bytes = Array((text + "\n").utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            fsync(descriptor)
            close(descriptor)
            guard written == bytes.count else { throw ConfigurationError("could not write the key file \(path)") }
            return try ServerKey(text: text)
        }
        guard errno == EEXIST else { throw ConfigurationError("could not create the key file \(path): \(String(cString: strerror(errno)))") }
        // Another process may be writing it this instant: retry briefly until it has content.
        for _ in 0..<50 {
            if let existing = try? String(contentsOfFile: path, encoding: .utf8),
                !existing.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            {
                return try ServerKey(text: existing)
            }
            usleep(20_000)
        }
        throw ConfigurationError("the key file \(path) is empty; delete it only if no data was encrypted with it")
    }
}
