import AsyncKit
import Foundation
public import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLKit

extension Store {
    /// Whether an error means the database cannot be reached right now (so the client should retry), as opposed to a
    /// failed query.
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case is ConnectionPoolTimeoutError, is NIOConnectionError, is ChannelError:
            return true
        case let error as IOError:
            return [ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode)
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // 08: connection exception; 57P01-03: the server is shutting down or not yet accepting connections.
                let state = error.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
            default:
                return false
            }
        default:
            return false
        }
    }

    /// At start: waits until the database answers, up to `timeout` seconds, saying so in the log while it waits.
    public func waitUntilReachable(timeout: Int, logger: Logger) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        var attempt = 1
        while true {
            do {
                _ = try await sql.raw("SELECT 1 AS ok").all()
                if attempt > 1 { logger.notice("the database answers", metadata: ["database": "\(location)"]) }
                return
            } catch {
                guard ContinuousClock.now < deadline else {
                    throw StoreError.unreachable("\(location) did not answer within \(timeout) seconds: \(Self.summary(of: error))")
                }
                logger.notice(
                    "waiting for the database",
                    metadata: ["database": "\(location)", "attempt": "\(attempt)", "reason": "\(Self.summary(of: error))"])
                attempt += 1
                try await Task.sleep(for: .seconds(min(attempt, 5)))
            }
        }
    }

    /// A short, password-free description of a connection failure.
    public static func summary(of error: any Error) -> String {
        if let error = error as? PSQLError {
            return "\(error.code)" + (error.serverInfo?[.message].map { ": \($0)" } ?? "")
        }
        return String(describing: error).prefix(200).description
    }
}
