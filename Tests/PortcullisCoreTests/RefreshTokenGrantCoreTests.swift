import Synchronization
import Testing

@testable import PortcullisCore

@Suite("Refresh token grant: rotation and reuse (RFC 6749 §6, RFC 9700 §4.14.2)")
struct RefreshTokenGrantCoreTests {
    static let invalid = OAuthError.invalidRefreshToken("The refresh token is invalid")

    @Test("A refresh returns a new refresh token of the same grant; the used one then fails")
    func rotation() async throws {
        let world = try await CoreWorld()
        let first = try await world.passwordGrant()
        let second = try await world.refresh(first.refreshToken)
        let successor = try #require(second.refreshToken)
        #expect(successor != first.refreshToken)
        #expect(second.claims.grantID == first.claims.grantID)
        #expect(second.claims.subject == String(world.alice.id))
        #expect(second.scope == .everything)
        // The successor works once in turn.
        let third = try await world.refresh(successor)
        #expect(third.refreshToken != successor)
    }

    @Test("A used refresh token presented again revokes the whole grant: its successor and access tokens die too")
    func reuseRevokesTheGrant() async throws {
        let world = try await CoreWorld()
        let first = try await world.passwordGrant()
        let second = try await world.refresh(first.refreshToken)
        await #expect(throws: Self.invalid) { try await world.refresh(first.refreshToken) }
        let grantID = try #require(first.claims.grantID.flatMap { Int($0) })
        #expect(world.repositories.isRevoked(grant: grantID))
        await #expect(throws: Self.invalid) { try await world.refresh(second.refreshToken) }
        #expect(try await world.introspect(second.accessToken) == .inactive)
        #expect(try await world.introspect(first.accessToken) == .inactive)
    }

    @Test("Losers of a redemption race that read the token before the winner committed: the first revokes, the rest write nothing")
    func losersRevokeOnce() async throws {
        let world = try await CoreWorld()
        let first = try await world.passwordGrant()
        _ = try await world.refresh(first.refreshToken)
        let grantID = try #require(first.claims.grantID.flatMap { Int($0) })
        world.repositories.staleRefreshReads.withLock { $0 = true }
        for _ in 0..<5 { await #expect(throws: Self.invalid) { try await world.refresh(first.refreshToken) } }
        #expect(world.repositories.isRevoked(grant: grantID))
        #expect(world.repositories.grantRevocationCount(grantID) == 1)
    }

    @Test("A missing refresh token is invalid_request; an unknown or malformed one is invalid_grant")
    func unknown() async throws {
        let world = try await CoreWorld()
        await #expect(throws: OAuthError.invalidRequest("Missing parameter: \"refresh_token\" is required")) { try await world.refresh(nil) }
        for token in [OpaqueSecret.generate(.refreshToken), "not-a-token", OpaqueSecret.generate(.authorizationCode)] {
            await #expect(throws: Self.invalid) { try await world.refresh(token) }
        }
    }

    @Test("Another client's refresh token is invalid_grant and leaves the grant alone")
    func otherClient() async throws {
        let world = try await CoreWorld()
        let issued = try await world.token(
            world.publicRequest(["grant_type": "password", "username": "alice", "password": CoreWorld.alicePassword]))
        await #expect(throws: Self.invalid) { try await world.refresh(issued.refreshToken) }
        let own = try await world.token(world.publicRequest(["grant_type": "refresh_token", "refresh_token": try #require(issued.refreshToken)]))
        #expect(own.claims.clientID == world.publicClient.clientID)
    }

    @Test("An expired refresh token is invalid_grant, saying so")
    func expired() async throws {
        let world = try await CoreWorld()
        let issued = try await world.passwordGrant()
        world.clock.advance(TokenPolicy().refreshTokenLifetime)
        await #expect(throws: OAuthError.invalidRefreshToken("The refresh token has expired")) { try await world.refresh(issued.refreshToken) }
    }

    @Test("A narrower scope is granted for the access token only; a wider one is invalid_scope")
    func scope() async throws {
        let world = try await CoreWorld()
        let issued = try await world.passwordGrant(scope: "edit_processes")
        await #expect(throws: OAuthError.invalidScope) { try await world.refresh(issued.refreshToken, scope: "*") }
        let narrow = try await world.refresh(issued.refreshToken, scope: "view_processes")
        #expect(narrow.scope == ScopeSet([.viewProcesses]))
        // The grant keeps its scope: the next refresh may ask for all of it again.
        let again = try await world.refresh(narrow.refreshToken)
        #expect(again.scope == ScopeSet([.editProcesses]))
    }

    @Test("The refresh token of a user who was deactivated is invalid_grant")
    func inactiveUser() async throws {
        let world = try await CoreWorld()
        let issued = try await world.passwordGrant()
        world.repositories.changeUser(world.alice.id, isActive: false)
        await #expect(throws: Self.invalid) { try await world.refresh(issued.refreshToken) }
    }
}
