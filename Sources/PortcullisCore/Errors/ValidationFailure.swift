/// Input refused, with messages per field: ready for a form, a 422 body or a CLI line. The one error every
/// administration rule (clients, users, personal access tokens, workspaces) throws for bad input, so each caller
/// has one case to turn into its answer and none can escape as a 500.
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public let errors: [(field: String, messages: [String])]
    public init(_ errors: [(field: String, messages: [String])]) { self.errors = errors }
    public init(field: String, message: String) { self.errors = [(field, [message])] }
    public var description: String {
        errors.map { "\($0.field): \($0.messages.joined(separator: " "))" }.joined(separator: "; ")
    }
}
