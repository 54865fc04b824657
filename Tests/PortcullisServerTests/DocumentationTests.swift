import Foundation
import HTTPTypes
import Hummingbird
import PortcullisCore
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
            #expect(
                row.replacingOccurrences(of: "`", with: "").contains(setting.defaultValue),
                "\(setting.environment): default \(setting.defaultValue) not in \(row)")
        }
    }

    /// The items of the one-line `enum: [...]` (or `examples: [...]`) on the line of `key` in docs/openapi.yaml.
    static func openAPIEnum(after key: String, list marker: String = "enum: [") throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains(key) && $0.contains(marker) }, "no \(marker) for \(key)")
        let list = try #require(line.split(separator: marker).last?.split(separator: "]").first)
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test("The OpenAPI lists of client grants, PM4 types, response types, grant types and form switches are the grant table's")
    func grantEnums() throws {
        #expect(try Self.openAPIEnum(after: "grants: {type: array") == GrantTable.switchNames)
        #expect(try Self.openAPIEnum(after: "types: {type: array") == GrantTable.pm4Types)
        #expect(try Self.openAPIEnum(after: "ResponseType: {name: response_type") == GrantTable.responseTypesSupported)
        #expect(try Self.openAPIEnum(after: "grant_type: {type: string", list: "examples: [") == GrantTable.tokenGrantTypes)
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        for name in GrantTable.switchNames {
            #expect(text.contains("              grant_\(name): {type: string}"), "the client form's grant_\(name) is not documented")
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

@Suite("OpenAPI document matches the router")
struct OpenAPIRouteTests {
    /// The (method, path) pairs of docs/openapi.yaml, read from its `paths:` block: paths are indented two
    /// spaces, operations four. The e2e suite validates the whole document and the responses.
    static func documentedOperations() throws -> Set<String> {
        let text = try String(contentsOf: DocumentationTests.root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var operations: Set<String> = []
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths && !line.isEmpty && !line.hasPrefix(" ") { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                current = String(line.dropFirst(2).dropLast())
            } else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     "),
                let method = ["get", "post", "put", "delete", "patch", "head"].first(where: { line == "    \($0):" })
            {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    @Test("Every route the server serves is documented, and every documented route is served")
    func routesMatch() async throws {
        let server = try await TestServer.start()
        let served = Set(buildRouter(server.portcullis).routes.map { "\($0.method.rawValue) \($0.path.description)" })
        await server.stop()
        var documented = try Self.documentedOperations()
        #expect(!documented.isEmpty)
        // The document says once, in its description, that every GET under /api/ also answers HEAD; the HEAD route of
        // a documented API GET is documented by that sentence (and must exist: it is then "documented but not served").
        let text = try String(contentsOf: DocumentationTests.root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        #expect(text.contains("Every GET under `/api/` also answers HEAD"))
        for operation in documented
        where operation.hasPrefix("GET /api/") || operation.hasPrefix("GET /oauth/clients") || operation.hasPrefix("GET /oauth/resources") {
            documented.insert("HEAD " + operation.dropFirst(4))
        }
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }
}

@Suite("Page templates")
struct TemplateTests {
    @Test("Templates carry nothing the CSP would block: no inline style or script, no event handlers, no external assets")
    func cspClean() throws {
        let folder = DocumentationTests.root.appendingPathComponent("Sources/PortcullisServer/Resources/templates")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }
        #expect(files.count >= 10)
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("style="), "\(file) has an inline style")
            #expect(text.range(of: #"<script(?![^>]*\bsrc=)"#, options: .regularExpression) == nil, "\(file) has an inline script")
            #expect(text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "\(file) has an event handler attribute")
            #expect(text.range(of: #"(src|href)="(https?:)?//"#, options: .regularExpression) == nil, "\(file) loads something from elsewhere")
        }
    }
}
