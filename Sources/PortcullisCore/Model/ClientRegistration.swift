import Foundation

/// What an administrator fills in to register or edit an auth client (seed 004, DESIGN.md data section).
public struct ClientRegistration: Sendable {
    public var name: String
    public var description: String?
    public var website: String?
    public var redirectURIs: [String]
    public var grants: ClientGrants
    public var isConfidential: Bool
    public var skipsConsent: Bool
    /// May introspect other clients' tokens (RFC 7662 §4); see `OAuthClient.mayIntrospect`.
    public var mayIntrospect: Bool

    public init(
        name: String, description: String? = nil, website: String? = nil, redirectURIs: [String] = [],
        grants: ClientGrants, isConfidential: Bool = true, skipsConsent: Bool = false, mayIntrospect: Bool = false
    ) {
        self.name = name
        self.description = description
        self.website = website
        self.redirectURIs = redirectURIs
        self.grants = grants
        self.isConfidential = isConfidential
        self.skipsConsent = skipsConsent
        self.mayIntrospect = mayIntrospect
    }

    /// Field errors, by field name, in the order a form shows them; empty when the registration is valid.
    public func validationErrors() -> [(field: String, messages: [String])] {
        var errors: [(String, [String])] = []
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            errors.append(("name", ["The name field is required."]))
        } else if PRECIS.length(PRECIS.nfc(trimmed)) > 255 {  // scalars after NFC, not graphemes
            errors.append(("name", ["The name may not be greater than 255 characters."]))
        }
        if grants.isEmpty { errors.append(("grants", ["Select at least one grant type."])) }
        var redirectMessages: [String] = []
        if grants.contains(.authorizationCode) || grants.contains(.implicit), redirectURIs.isEmpty {
            redirectMessages.append("A redirect URL is required for the authorization code and implicit grants.")
        }
        for uri in redirectURIs {
            if let problem = RedirectURIPolicy.problem(with: uri) { redirectMessages.append("\(uri) \(problem).") }
        }
        if !redirectMessages.isEmpty { errors.append(("redirect", redirectMessages)) }
        if let website, !website.isEmpty {
            let components = URLComponents(string: website)
            let scheme = components?.scheme?.lowercased()
            if (scheme != "http" && scheme != "https") || (components?.host ?? "").isEmpty || website.count > 2000 {
                errors.append(("website", ["The website must be a valid http or https URL."]))
            }
        }
        if grants.contains(.clientCredentials) && !isConfidential {
            errors.append(("public", ["A public client cannot use the client credentials grant."]))
        }
        return errors
    }

    /// The name as stored: surrounding spaces removed.
    public var normalizedName: String { name.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The key client names are unique by in a workspace (`PRECIS.displayNameKey`: the prepared display name, NFC,
    /// lowercased), computed here once for creating and renaming and for M0018's existing rows.
    public static func nameKey(_ name: String) -> String { PRECIS.displayNameKey(name) }

    /// A new public client identifier: 32 upper-case letters, the shape of ProcessMaker 3's client ids.
    public static func generateClientID() -> String {
        SecureRandom.string(32, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    }
}
