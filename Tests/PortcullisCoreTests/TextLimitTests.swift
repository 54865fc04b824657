import Testing

@testable import PortcullisCore

/// Length limits count Unicode scalars after preparation, and long runs of combining marks are refused (UTS #39 §5.4):
/// counted in graphemes, a letter with thousands of marks was one character.
@Suite("Core: text limits in scalars, combining marks bounded")
struct TextLimitTests {
    @Test("Usernames, names and filters count scalars, not graphemes")
    func scalars() {
        #expect(throws: PRECIS.Refusal.tooLong(maximum: 100)) { try PRECIS.username("\u{E9}" + String(repeating: "\u{301}", count: 10_000)) }
        #expect(throws: PRECIS.Refusal.tooLong(maximum: 255)) { try PRECIS.displayName("a" + String(repeating: "\u{301}", count: 20_000)) }
        #expect(UserDraft.filterProblem("a" + String(repeating: "\u{F73}", count: 8700)) != nil)
        #expect(UserDraft.filterProblem("a" + String(repeating: "\u{F73}", count: 60)) != nil, "120 scalars after NFC")
        #expect(UserDraft.filterProblem(String(repeating: "a", count: 100)) == nil)
        let long = UserDraft(username: "u", email: "a@b.c", firstName: "A" + String(repeating: "\u{301}", count: 60), lastName: "L", password: "password-1")
        #expect(long.validationErrors(creating: true).map(\.field) == ["firstname"])
        // NFD counts as its NFC form: 50 letters with an accent each are 50, not 100.
        let nfd = UserDraft(firstName: String(repeating: "e\u{301}", count: 50))
        #expect(nfd.validationErrors(creating: false).isEmpty)
    }

    @Test("More than 4 combining marks on one character are refused in usernames and names; 4 are fine")
    func combiningMarks() {
        let five = "\u{E9}\u{301}\u{302}\u{303}\u{304}\u{305}"
        #expect(throws: PRECIS.Refusal.tooManyCombiningMarks(maximum: 4)) { try PRECIS.username(five) }
        #expect(throws: PRECIS.Refusal.tooManyCombiningMarks(maximum: 4)) { try PRECIS.displayName("Caf" + five) }
        #expect((try? PRECIS.username("\u{E9}\u{301}\u{302}\u{303}\u{304}")) != nil)
        #expect((try? PRECIS.displayName("Cafe\u{301}\u{302}\u{303}\u{304} ok")) != nil)
        #expect(UserDraft.usernameProblem(five) == "The username may not put more than 4 combining marks on one character.")
    }

    @Test("A client name's key is its prepared form, NFC, lowercased")
    func clientNameKey() {
        #expect(Array(ClientRegistration.nameKey(" Cafe\u{301}  Web ").unicodeScalars) == Array("caf\u{E9} web".unicodeScalars))
        #expect(Array(ClientRegistration.nameKey("CAF\u{C9}").unicodeScalars) == Array(ClientRegistration.nameKey("cafe\u{301}").unicodeScalars))
    }
}
