/// Hashing and checking people's passwords (bcrypt in the server), off the request threads.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async -> Bool
    /// Spends the same time as `verify` against a real hash, for unknown usernames.
    func verifyAgainstDummy(_ password: String) async
}
