/// The actor may not do this at all (HTTP 403 on the API, an error page on the pages). Every "who may do what" rule
/// in Core throws this one type, so a handler answers it without deciding anything itself.
public struct PermissionDenied: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
