import FluentKit
import SQLKit

/// A resource URI names one API in one workspace, across the whole server (the attacker's pass on issue 15): every
/// workspace shares the issuer, so a token's `aud` must say by itself whose API it is for; with one URI registered in
/// two workspaces, a guard (which checks `iss` and `aud`) took one workspace's tokens for the other's, and the other
/// workspace's revocations never reached it.
struct M0022_UniqueResourceURIs: AsyncMigration {
    var name: String { "M0022_UniqueResourceURIs" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        let shared = try await sql.raw("SELECT uri FROM resource_servers GROUP BY uri HAVING COUNT(*) > 1 ORDER BY uri")
            .all(decodingColumn: "uri", as: String.self)
        guard shared.isEmpty else { throw SharedResourceURIs(uris: shared) }
        try await sql.create(index: "resource_servers_uri_unique").unique().on("resource_servers").column("uri").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "resource_servers_uri_unique").run()
    }
}

/// Resource servers of several workspaces share a URI; the migration cannot go on until all but one are deleted.
struct SharedResourceURIs: Error, CustomStringConvertible {
    let uris: [String]
    var description: String {
        "several workspaces register the same resource URI (\(uris.joined(separator: ", "))); a URI may name one API in one "
            + "workspace: delete all but one (`portcullis resource delete ID --workspace NAME`), then migrate again"
    }
}
