import FluentKit
import FluentSQL
import SQLKit

/// Two columns for issue 12.
///
/// `clients.may_introspect`: RFC 7662 §4 leaves it to the server who may learn about a token. Only the client a token
/// was issued to may introspect it, unless an administrator switched this on (for a resource server); off by default,
/// so every existing client keeps to its own tokens.
///
/// `authorization_codes.user_token_version`: the user's token version when the code was issued. Revoking everything a
/// user holds (password change, deactivation, losing super admin) raises the version, and a code issued under an older
/// one is refused at redemption. Codes outstanding during the upgrade get 0 and live at most a few minutes.
struct M0015_AddIntrospectionSwitch: AsyncMigration {
    var name: String { "M0015_AddIntrospectionSwitch" }

    func prepare(on database: any Database) async throws {
        try await database.schema("clients").field("may_introspect", .bool, .required, .sql(.default(false))).update()
        try await database.schema("authorization_codes").field("user_token_version", .int, .required, .sql(.default(0))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("authorization_codes").deleteField("user_token_version").update()
        try await database.schema("clients").deleteField("may_introspect").update()
    }
}
