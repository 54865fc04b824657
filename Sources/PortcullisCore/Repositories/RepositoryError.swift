/// Storage as Core sees it. PortcullisStore implements these on FluentKit; tests may use fakes.
/// Every method returns Core's Sendable values; no database type crosses this line.

/// Why a repository refused a write.
public enum RepositoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique field already holds this value; carries the field name.
    case duplicate(String)
    /// The row to change does not exist.
    case notFound
    /// The database cannot be reached.
    case unavailable

    public var description: String {
        switch self {
        case .duplicate(let field): "\(field) is already taken"
        case .notFound: "not found"
        case .unavailable: "the database is unavailable"
        }
    }
}
