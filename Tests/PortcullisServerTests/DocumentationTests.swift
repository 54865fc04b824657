import Foundation
import Testing

@testable import PortcullisServer

@Suite("Documentation matches the code")
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("The README's configuration table has one row per setting, with its flag, variable and default")
    func configurationTable() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `--") || $0.hasPrefix("| — |") }
        #expect(rows.count == Configuration.settings.count)
        for setting in Configuration.settings {
            let row = rows.first { $0.contains("`\(setting.environment)`") }
            #expect(row != nil, "no README row for \(setting.environment)")
            guard let row else { continue }
            #expect(row.hasPrefix(setting.flag.map { "| `--\($0)` |" } ?? "| — |"), "\(row)")
            #expect(row.replacingOccurrences(of: "`", with: "").contains(setting.defaultValue), "\(setting.environment): default \(setting.defaultValue) not in \(row)")
        }
    }

    @Test("The README starts with the two commands")
    func twoCommands() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let head = readme.split(separator: "\n").prefix(8).joined(separator: "\n")
        #expect(head.contains("swift run -c release portcullis serve"))
        #expect(head.contains("scripts/test"))
    }
}
