import Foundation
import PortcullisCore
import PortcullisServer
import PortcullisStore
import PortcullisTestSupport
import Synchronization
import Testing

/// Review findings on issue 12's text-input change: bcrypt work that told which usernames exist, and the CLI and the
/// first start checking users by hand instead of by UserDraft, the API's rules.
@Suite("Input rules: equal bcrypt work, the CLI and bootstrap refuse what the API refuses")
struct InputRulesTests {
    /// A known user whose NFD password was wrong cost two bcrypt runs (prepared and legacy form), an unknown username
    /// always one: 0.89 s against 0.41 s at cost 12.
    @Test("A known and an unknown username cost the same number of bcrypt runs, NFD password or not")
    func equalBcryptWork() async throws {
        let runs = Mutex(0)
        let hasher = BcryptPasswordHasher(cost: 4, threads: 1, onVerification: { runs.withLock { $0 += 1 } })
        let hash = try await hasher.hash("caf\u{E9}-password")
        func count(_ body: () async -> Void) async -> Int {
            runs.withLock { $0 = 0 }
            await body()
            return runs.withLock { $0 }
        }
        for typed in ["cafe\u{301}-wrong-one", "cafe\u{301}-password", "plain-wrong-one", "caf\u{E9}-password", "a\u{A0}b\u{301}c-pw", "ab\u{0}cdefghij"] {
            let known = await count { _ = await hasher.verify(typed, against: hash) }
            let unknown = await count { await hasher.verifyAgainstDummy(typed) }
            #expect(known == unknown, "\(typed.unicodeScalars.map { String($0.value, radix: 16) }): known \(known), unknown \(unknown)")
            #expect(known >= 1)
        }
        // The legacy form still signs in (a hash made from the raw NFD text before passwords were prepared).
        #expect(await hasher.verify("cafe\u{301}-password", against: hash))
        await hasher.shutdown()
    }

    /// `portcullis user create` (Portcullis.createUser) checked username, password and email by hand: names were
    /// stored unchecked and not normalised, the email not NFC'd.
    @Test("The CLI's user create refuses what the API refuses and stores what the API stores")
    func cliCreateUser() async throws {
        try await withServer { server, _ in
            let refused: [(String, String, String)] = [
                ("firstname", "Al\u{0}", "Liddell"), ("lastname", "Al", "L\u{202E}iddell"), ("firstname", String(repeating: "x", count: 51), "L"),
                ("lastname", "Al", "e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}"),
            ]
            for (field, first, last) in refused {
                do {
                    _ = try await server.portcullis.createUser(
                        username: "cli-\(field)", password: "cli-password-1", firstName: first, lastName: last, in: server.workspace)
                    Issue.record("created with \(field) \(first.debugDescription) \(last.debugDescription)")
                } catch let failure as ValidationFailure {
                    #expect(failure.errors.map(\.field) == [field], "\(failure)")
                }
            }
            await #expect(throws: ValidationFailure.self) {
                try await server.portcullis.createUser(username: "cli-pw", password: "ab\u{0}cdefghij", in: server.workspace)
            }
            let user = try await server.portcullis.createUser(
                username: " zoe ", password: "cli-password-1", email: " zoe\u{308}@example.com ", firstName: "  Zoe\u{308}  Anne ",
                lastName: "Lid\u{A0}dell", in: server.workspace)
            #expect(Array(user.username.unicodeScalars) == Array("zoe".unicodeScalars))
            #expect(Array(user.firstName.unicodeScalars) == Array("Zo\u{EB} Anne".unicodeScalars), "NFC, spaces collapsed")
            #expect(Array(user.lastName.unicodeScalars) == Array("Lid dell".unicodeScalars))
            #expect(user.email.map { Array($0.unicodeScalars) } == Array("zo\u{EB}@example.com".unicodeScalars), "NFC, trimmed")
            // Email and names stay optional for the CLI.
            let bare = try await server.portcullis.createUser(username: "bare", password: "cli-password-1", in: server.workspace)
            #expect(bare.email == nil && bare.firstName.isEmpty)
        }
    }

    /// PORTCULLIS_ADMIN_PASSWORD skipped the password rules: `abc` made the admin, and one with a tab made startup fail
    /// with a bare PRECIS.Refusal.
    @Test("Bootstrap refuses a PORTCULLIS_ADMIN_PASSWORD the API would refuse, naming the setting", arguments: ["abc", "tab\tin-the-password"])
    func bootstrapAdminPassword(_ password: String) async throws {
        var (configuration, folder, dropDatabase) = try await TestServer.testConfiguration()
        configuration.adminPassword = password
        let portcullis = try await Portcullis.open(configuration, logger: TestServer.quietLogger)
        do {
            _ = try await portcullis.bootstrap()
            Issue.record("bootstrap made the admin with \(password.debugDescription)")
        } catch let failure as ValidationFailure {
            #expect(failure.errors.map(\.field) == ["PORTCULLIS_ADMIN_PASSWORD"])
            #expect(failure.description.hasPrefix("PORTCULLIS_ADMIN_PASSWORD: The password "), "\(failure)")
        } catch {
            Issue.record("not a ValidationFailure: \(error)")
        }
        let workspace = try await portcullis.workspace(named: Workspace.defaultName)
        #expect(try await portcullis.store.users.user(username: "admin", workspaceID: workspace.id) == nil)
        await portcullis.close()
        await dropDatabase()
        try? FileManager.default.removeItem(at: folder)
    }
}
