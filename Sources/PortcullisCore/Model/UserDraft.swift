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

    /// Field errors with Laravel-style messages (ProcessMaker 4's 422 body); creating requires every field but
    /// `status`, updating checks only the fields sent.
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
            } else if trimmed.count > max {
                errors.append((field, ["The \(field) may not be greater than \(max) characters."]))
            } else if let problem = extra(trimmed) {
                errors.append((field, [problem]))
            }
        }
        check("username", username, required: true, max: 100) {
            $0.contains(where: { $0.isWhitespace }) ? "The username may not contain spaces." : nil
        }
        check("email", email, required: true, max: 255) {
            let parts = $0.split(separator: "@")
            return parts.count == 2 && parts[1].contains(".") && !parts[0].isEmpty ? nil : "The email must be a valid email address."
        }
        check("firstname", firstName, required: true, max: 50)
        check("lastname", lastName, required: true, max: 50)
        if let password {
            if password.count < 8 {
                errors.append(("password", ["The password must be at least 8 characters."]))
            } else if password.utf8.count > 72 {
                errors.append(("password", ["The password may not be greater than 72 bytes."]))
            }
        } else if creating {
            errors.append(("password", ["The password field is required."]))
        }
        if let status, status != "ACTIVE" && status != "INACTIVE" {
            errors.append(("status", ["The selected status is invalid; use ACTIVE or INACTIVE."]))
        }
        return errors
    }
}
