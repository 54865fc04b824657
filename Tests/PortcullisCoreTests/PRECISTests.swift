import Testing

@testable import PortcullisCore

/// Issue 12 findings 6 and 7 at the level of the rules: what PRECIS (RFC 8264, RFC 8265) makes of what people type.
@Suite("PRECIS")
struct PRECISTests {
    // MARK: Usernames

    @Test(
        "Look-alikes of admin are refused or collide with it (finding 7)",
        arguments: [
            ("admin\u{0}x", PRECIS.Refusal.controlCharacter),
            ("admin\u{200D}", .joinControl),
            ("nimda\u{202E}", .formatCharacter),
            ("\u{0430}dmin", .mixedScripts),  // Cyrillic а
            ("adm\u{03B9}n", .mixedScripts),  // Greek ι
            ("ADM\u{130}N", .uncombinedMark),  // İ lowercases to i + U+0307
            ("ad min", .space),
            ("admin\u{2122}", .compatibilityCharacter),  // ™
            ("admin\u{00A7}", .symbolOrPunctuation),
            ("admin\u{E000}", .unassigned),
            ("", .empty),
        ])
    func refused(_ typed: String, _ refusal: PRECIS.Refusal) {
        #expect(throws: refusal) { try PRECIS.username(typed) }
        #expect(UserDraft.usernameProblem(typed) != nil)
    }

    @Test("Width, case and normalisation variants share one key")
    func collide() throws {
        #expect(try PRECIS.username("\u{FF41}\u{FF44}\u{FF4D}\u{FF49}\u{FF4E}").key == "admin")  // fullwidth ａｄｍｉｎ
        #expect(try PRECIS.username("ＡＤＭＩＮ").key == "admin")
        #expect(try PRECIS.username("Admin").key == "admin")
        let nfc = try PRECIS.username("caf\u{E9}")
        let nfd = try PRECIS.username("cafe\u{301}")
        #expect(Array(nfc.key.utf8) == Array(nfd.key.utf8))
        #expect(Array(nfd.display.utf8) == Array("caf\u{E9}".utf8))
        #expect(PRECIS.usernameKey("ＡＤＭＩＮ") == "admin")
    }

    @Test("The display form keeps case; ordinary names pass", arguments: ["Alice", "bob.smith-2", "user@example.com", "Zoë", "Ñandú", "пётр", "ολγα", "李小龙"])
    func accepted(_ typed: String) throws {
        let prepared = try PRECIS.username(typed)
        #expect(prepared.display == typed)
        #expect(prepared.key == Confusables.skeleton(typed.lowercased()))
        #expect(prepared.key == PRECIS.usernameKey(typed), "creating and signing in compare by one key")
    }

    @Test("The skeleton maps look-alike letters to the Latin letter they look like, and nothing else")
    func skeleton() {
        #expect(Confusables.skeleton("\u{0430}\u{0441}\u{0435}") == "ace")
        #expect(Confusables.skeleton("adm\u{131}n") == "admin")
        #expect(Confusables.skeleton("\u{1D00}\u{1D05}\u{1D0D}\u{26A}\u{274}") == "admin")
        #expect(Confusables.skeleton("\u{0438}\u{0432}\u{0430}\u{043D}") == "\u{0438}\u{0432}a\u{043D}")
        #expect(Confusables.skeleton("admin1") == "admin1" && Confusables.skeleton("adminl") == "adminl", "digits are not letters")
    }

    @Test("The 100-character limit counts the prepared form")
    func length() {
        #expect(throws: PRECIS.Refusal.tooLong(maximum: 100)) { try PRECIS.username(String(repeating: "a", count: 101)) }
        #expect((try? PRECIS.username(String(repeating: "ａ", count: 100))) != nil)
    }

    // MARK: Passwords

    @Test(
        "A password with NUL or another control character cannot be set (finding 6)",
        arguments: [
            "ab\u{0}cdefghij", "tab\tpassword", "line\npassword", "zero\u{200D}width-joiner", "rlo\u{202E}password",
        ])
    func passwordRefused(_ typed: String) {
        #expect(throws: PRECIS.Refusal.self) { try PRECIS.password(typed) }
        #expect(UserDraft.passwordProblem(typed) != nil)
    }

    @Test("OpaqueString: non-ASCII spaces become U+0020, NFC; length counted on that form")
    func passwordPrepared() throws {
        #expect(try PRECIS.password("pass\u{00A0}word") == "pass word")
        #expect(Array(try PRECIS.password("cafe\u{301}-secret").utf8) == Array("caf\u{E9}-secret".utf8))
        #expect(try PRECIS.password("Ｐａｓｓ ☃ ﬁ") == "Ｐａｓｓ ☃ ﬁ")  // case, width and compatibility characters are kept
        #expect(UserDraft.passwordProblem("e\u{301}e\u{301}e\u{301}e\u{301}") != nil)  // 8 scalars, 4 characters
        #expect(UserDraft.passwordProblem("correct horse") == nil)
        #expect(PRECIS.passwordForVerification("ab\u{0}cdefghij") == nil)
        #expect(PRECIS.passwordForVerification("x\u{3000}y") == "x y")
    }

    // MARK: Display names

    @Test("Client and token names: NFC, spaces collapsed, no control or format characters (finding 6)")
    func displayNames() throws {
        #expect(throws: PRECIS.Refusal.controlCharacter) { try PRECIS.displayName("Web\u{0}") }
        #expect(throws: PRECIS.Refusal.formatCharacter) { try PRECIS.displayName("Web\u{202E}ppA") }
        #expect(throws: PRECIS.Refusal.joinControl) { try PRECIS.displayName("Web\u{200D}") }
        #expect(throws: PRECIS.Refusal.controlCharacter) { try PRECIS.displayName("Web\nApp") }
        #expect(throws: PRECIS.Refusal.empty) { try PRECIS.displayName(" \u{3000} ") }
        #expect(throws: PRECIS.Refusal.tooLong(maximum: 5)) { try PRECIS.displayName("abcdef", maximumLength: 5) }
        #expect(try PRECIS.displayName("  My\u{00A0}\u{00A0}Web   App \n") == "My Web App")
        #expect(Array(try PRECIS.displayName("Cafe\u{301}").utf8) == Array("Caf\u{E9}".utf8))
        #expect(try PRECIS.displayName("Rocket \u{2764}\u{FE0F}") == "Rocket \u{2764}\u{FE0F}")
    }

    @Test("A client registration named Web\\0 is refused with a field error (finding 6)")
    func clientName() {
        var registration = ClientRegistration(name: "Web\u{0}", redirectURIs: ["https://c.example/cb"], grants: [.authorizationCode])
        let errors = ClientAdministration.prepareText(&registration)
        #expect(errors.first?.field == "name")
        #expect(errors.first?.messages.first?.contains("control") == true)
        var fine = ClientRegistration(name: " Web\u{00A0}App ", redirectURIs: ["https://c.example/cb"], grants: [.authorizationCode])
        #expect(ClientAdministration.prepareText(&fine).isEmpty)
        #expect(fine.name == "Web App")
    }

    @Test("User drafts: every text field is bounded and checked")
    func drafts() {
        let draft = UserDraft(
            username: "admin\u{0}x", email: "a@b", firstName: "A\u{202E}", lastName: String(repeating: "x", count: 51), password: "ab\u{0}cdefghij")
        let fields = Set(draft.validationErrors(creating: true).map(\.field))
        #expect(fields == ["username", "email", "firstname", "lastname", "password"])
    }
}
