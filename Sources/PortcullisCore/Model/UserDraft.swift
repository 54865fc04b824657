import Foundation

/// The fields of a user as an API client sends them, before they are checked.
public struct UserDraft: Sendable {
    public var username: String?
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    public var password: String?
    /// `ACTIVE` or `INACTIVE`, as ProcessMaker spells it.
    public var status: String?
    public var isAdministrator: Bool?
    /// Needed to change one's own password or username.
    public var currentPassword: String?

    public init(
        username: String? = nil, email: String? = nil, firstName: String? = nil, lastName: String? = nil, password: String? = nil,
        status: String? = nil, isAdministrator: Bool? = nil, currentPassword: String? = nil
    ) {
        self.username = username
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.password = password
        self.status = status
        self.isAdministrator = isAdministrator
        self.currentPassword = currentPassword
    }

    /// The longest username, counted in Unicode scalars of its prepared form (`PRECIS.length`).
    public static let maximumUsernameLength = 100

    /// Field errors with Laravel-style messages (ProcessMaker 4's 422 body); creating requires every field but
    /// `status`, updating checks only the fields sent. Usernames and passwords are checked by PRECIS (RFC 8265), names
    /// refuse control and format characters, so what is stored is what every reader (C code included) shows.
    public func validationErrors(creating: Bool) -> [(field: String, messages: [String])] {
        var errors: [(String, [String])] = []
        func check(_ field: String, _ value: String?, required: Bool, max: Int, extra: (String) -> String? = { _ in nil }) {
            guard let value else {
                if required && creating { errors.append((field, ["The \(field) field is required."])) }
                return
            }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty && required {
                errors.append((field, ["The \(field) field is required."]))
            } else if PRECIS.length(PRECIS.nfc(trimmed)) > max {
                // Scalars after NFC, not graphemes: `é` with 10,000 U+0301 was one character.
                errors.append((field, ["The \(field) may not be greater than \(max) characters."]))
            } else if let problem = extra(trimmed) {
                errors.append((field, [problem]))
            }
        }
        check("username", username, required: true, max: Self.maximumUsernameLength, extra: Self.usernameProblem)
        check("email", email, required: true, max: 255, extra: Self.emailProblem)
        check("firstname", firstName, required: true, max: 50) { Self.nameProblem("firstname", $0) }
        check("lastname", lastName, required: true, max: 50) { Self.nameProblem("lastname", $0) }
        if let password {
            if let problem = Self.passwordProblem(password) { errors.append(("password", [problem])) }
        } else if creating {
            errors.append(("password", ["The password field is required."]))
        }
        if let status, status != "ACTIVE" && status != "INACTIVE" {
            errors.append(("status", ["The selected status is invalid; use ACTIVE or INACTIVE."]))
        }
        return errors
    }

    /// The draft as stored, once `validationErrors` found nothing: the username in its UsernameCasePreserved form
    /// (RFC 8265 §3.4), the password in its OpaqueString form (§4.2), the other fields trimmed and NFC.
    public func prepared() throws -> UserDraft {
        var draft = self
        draft.username = try username.map { try Self.preparedUsername($0).display }
        draft.password = try password.map { try PRECIS.password($0) }
        draft.email = email.map { PRECIS.nfc($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        draft.firstName = try firstName.map { try Self.preparedName($0) }
        draft.lastName = try lastName.map { try Self.preparedName($0) }
        return draft
    }

    /// A username as typed, prepared by RFC 8265 §3.3–§3.4 after surrounding whitespace is trimmed (as it always was).
    public static func preparedUsername(_ typed: String) throws(PRECIS.Refusal) -> PRECIS.Username {
        try PRECIS.username(typed.trimmingCharacters(in: .whitespacesAndNewlines), maximumLength: maximumUsernameLength)
    }

    /// Why a typed username cannot be stored (a sentence for a 422, a page or the CLI), or nil.
    public static func usernameProblem(_ typed: String) -> String? {
        do {
            _ = try preparedUsername(typed)
            return nil
        } catch {
            return error == .empty ? "The username field is required." : "The username \(error.description)"
        }
    }

    /// Why a password cannot be set, or nil: OpaqueString (RFC 8265 §4), then at least 8 characters and at most the
    /// 72 bytes bcrypt reads, both counted on the prepared form, which is the one hashed.
    public static func passwordProblem(_ typed: String) -> String? {
        let prepared: String
        do {
            prepared = try PRECIS.password(typed)
        } catch .empty {
            return "The password must be at least 8 characters."
        } catch {
            return "The password \(error.description)"
        }
        if prepared.count < 8 { return "The password must be at least 8 characters." }
        if prepared.utf8.count > 72 { return "The password may not be greater than 72 bytes." }
        return nil
    }

    /// Why a user list's `filter` is refused (both dialects ask this), or nil: at most `maximumFilterLength` Unicode
    /// scalars, counted on the raw text and on the comparison key the store matches (NFC may expand: U+0F73 is two
    /// scalars after it). Counted in graphemes, `a` with 8,700 U+0F73 was one character, and SQLite and PostgreSQL
    /// refused the LIKE pattern with a 500.
    public static func filterProblem(_ filter: String) -> String? {
        let length = max(PRECIS.length(filter), PRECIS.length(PRECIS.usernameKey(filter)))
        return length > maximumFilterLength ? "The filter may not be greater than \(maximumFilterLength) characters." : nil
    }

    /// The longest user list filter, in Unicode scalars: a substring search needs no more, and SQLite refuses LIKE
    /// patterns over 50,000 bytes (SQLITE_MAX_LIKE_PATTERN_LENGTH) with an error that was a 500.
    public static let maximumFilterLength = 100

    /// Why an email address is refused, or nil: one @ with a dotted domain, no spaces or control characters.
    public static func emailProblem(_ trimmed: String) -> String? {
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !trimmed.unicodeScalars.contains(where: { $0.properties.isWhitespace || PRECIS.freeformClassRefusal($0) != nil })
        return valid ? nil : "The email must be a valid email address."
    }

    static func nameProblem(_ field: String, _ trimmed: String) -> String? {
        do {
            _ = try preparedName(trimmed)
            return nil
        } catch {
            return "The \(field) \(error.description)"
        }
    }

    static func preparedName(_ typed: String) throws(PRECIS.Refusal) -> String {
        try PRECIS.displayName(typed, maximumLength: 50)
    }
}
