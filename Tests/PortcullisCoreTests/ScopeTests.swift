import Testing

@testable import PortcullisCore

@Suite("Scopes")
struct ScopeTests {
    @Test("Known scopes parse, singular spellings are aliases, order is stable")
    func parsing() throws {
        #expect(try ScopeSet.parse("*") == ScopeSet([.all]))
        #expect(try ScopeSet.parse("view_process edit_process") == ScopeSet([.viewProcesses, .editProcesses]))
        #expect(try ScopeSet.parse("edit_processes  view_processes")?.description == "edit_processes view_processes")
        #expect(try ScopeSet.parse(nil) == nil)
        #expect(try ScopeSet.parse("   ") == nil)
    }

    @Test("An unknown scope is invalid_scope", arguments: ["admin", "* admin", "VIEW_PROCESSES", "openid"])
    func unknown(_ raw: String) {
        #expect(throws: OAuthError.invalidScope) { try ScopeSet.parse(raw) }
    }

    @Test("A stored scope reads back as written; a value that is not a scope list grants nothing")
    func stored() throws {
        let scope = try #require(try ScopeSet.parse("edit_processes view_processes"))
        #expect(ScopeSet(stored: scope.description) == scope)
        #expect(ScopeSet(stored: "*") == .everything)
        // A resource server's scope reads back as itself, and `*` does not cover it (nor it anything of ProcessMaker's).
        let mixed = ScopeSet(stored: "* read:orders")
        #expect(mixed == ScopeSet([.all, Scope(rawValue: "read:orders")]))
        #expect(!ScopeSet.everything.allows(Scope(rawValue: "read:orders")))
        #expect(!ScopeSet([Scope(rawValue: "read:orders")]).allows(.viewProcesses))
        // Not a list of scope tokens (RFC 6749 §3.3 forbids the quote): nothing.
        #expect(ScopeSet(stored: "* \"admin\"") == ScopeSet([]))
        #expect(ScopeSet(stored: "") == ScopeSet([]))
    }

    @Test("Narrowing is allowed, widening is not")
    func narrowing() {
        let all = ScopeSet([.all])
        let edit = ScopeSet([.editProcesses])
        let view = ScopeSet([.viewProcesses])
        #expect(all.covers(edit) && all.covers(view) && all.covers(all))
        #expect(edit.covers(view))
        #expect(!view.covers(edit))
        #expect(!edit.covers(all))
        #expect(!view.covers(all))
    }

    @Test("Grant switch names include ProcessMaker 4's types")
    func grantNames() {
        #expect(ClientGrants(name: "authorization_code_grant") == .authorizationCode)
        #expect(ClientGrants(name: "password_client") == .password)
        #expect(ClientGrants(name: "personal_access_client") == .personalAccess)
        #expect(ClientGrants(name: "nonsense") == nil)
        #expect(ClientGrants([.password, .implicit]).names == ["password", "implicit"])
    }
}
