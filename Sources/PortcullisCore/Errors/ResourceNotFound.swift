/// The thing a request names is not there (or, to this caller, is as good as not there): 404 on the API, a "Not
/// found" page on the pages.
public struct ResourceNotFound: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
