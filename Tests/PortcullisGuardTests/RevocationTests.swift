import Foundation
import Logging
import PortcullisGuard
import PortcullisWire
import Synchronization
import Testing

/// Waits until the guard refuses `authorization` as revoked (it polls every 50 ms in these tests).
func becomesRevoked(_ env: Environment, _ authorization: String) async -> Bool {
    await eventually {
        if case .failure(.invalidToken(let reason)) = await env.verify(authorization) { return reason.contains("revoked") }
        return false
    }
}

/// Waits for two more feed polls, after which any revocation added before has been read (patiently: with the whole
/// suite on two cores, a poll of the in-process fake server has taken seconds).
func twoMorePolls(_ env: Environment, within seconds: Double = 20) async -> Bool {
    let now = env.fake.count("feed")
    return await eventually(seconds) { env.fake.count("feed") >= now + 2 }
}

func passes(_ env: Environment, _ authorization: String) async -> Bool {
    (try? await env.verify(authorization).get()) != nil
}

@Suite("Revocation feed")
struct RevocationTests {
    @Test func tokenRevocationStopsTheToken() async throws {
        try await withGuard { env in
            let token = try env.bearer { $0["jti"] = "jti-1" }
            let other = try env.bearer { $0["jti"] = "jti-2" }
            #expect(await passes(env, token))
            env.fake.revoke("token", "jti-1")
            #expect(await becomesRevoked(env, token))
            #expect(await passes(env, other))
        }
    }

    @Test func tokenRevocationStopsPersonalTokensMadeFromIt() async throws {
        try await withGuard { env in
            let pat = try env.bearer {
                $0["jti"] = "pat-1"
                $0["pat"] = true
                $0["pat_from"] = ["parent-a", "parent-b"]
            }
            let unrelated = try env.bearer {
                $0["jti"] = "pat-2"
                $0["pat_from"] = ["parent-c"]
            }
            #expect(await passes(env, pat))
            env.fake.revoke("token", "parent-b")
            #expect(await becomesRevoked(env, pat))
            #expect(await passes(env, unrelated))
        }
    }

    @Test func grantRevocationStopsItsTokens() async throws {
        try await withGuard { env in
            let token = try env.bearer { $0["gid"] = "grant-x" }
            let other = try env.bearer { $0["gid"] = "grant-y" }
            let noGrant = try env.bearer { $0["gid"] = nil }
            env.fake.revoke("grant", "grant-x")
            #expect(await becomesRevoked(env, token))
            #expect(await passes(env, other))
            #expect(await passes(env, noGrant))
        }
    }

    @Test func clientRevocationStopsTokensIssuedAtOrBeforeIt() async throws {
        try await withGuard { env in
            let revokedAt = env.now
            let before = try env.bearer {
                $0["client_id"] = "client_z"
                $0["iat"] = revokedAt - 10
            }
            let atTheSameSecond = try env.bearer {
                $0["client_id"] = "client_z"
                $0["iat"] = revokedAt
            }
            let after = try env.bearer {
                $0["client_id"] = "client_z"
                $0["iat"] = revokedAt + 1
            }
            let otherClient = try env.bearer {
                $0["client_id"] = "client_q"
                $0["iat"] = revokedAt - 10
            }
            env.fake.revoke("client", "client_z", revokedAt: revokedAt)
            #expect(await becomesRevoked(env, before))
            #expect(await becomesRevoked(env, atTheSameSecond))
            #expect(await passes(env, after))
            #expect(await passes(env, otherClient))
        }
    }

    @Test func userRevocationStopsTokensBelowTheVersion() async throws {
        try await withGuard { env in
            let old = try env.bearer {
                $0["sub"] = "user:7"
                $0["uv"] = 1
            }
            let noVersion = try env.bearer {
                $0["sub"] = "user:7"
                $0["uv"] = nil
            }
            let current = try env.bearer {
                $0["sub"] = "user:7"
                $0["uv"] = 2
            }
            let otherUser = try env.bearer {
                $0["sub"] = "user:8"
                $0["uv"] = 1
            }
            // A client token whose sub happens to be the user id is not the user's.
            let clientToken = try env.bearer {
                $0["sub"] = "user:7"
                $0["client_id"] = "user:7"
                $0["uv"] = nil
            }
            env.fake.revoke("user", "user:7:2")
            #expect(await becomesRevoked(env, old))
            #expect(await becomesRevoked(env, noVersion))
            #expect(await passes(env, current))
            #expect(await passes(env, otherUser))
            #expect(await passes(env, clientToken))
        }
    }

    @Test func expiredRowsAreDropped() async throws {
        try await withGuard { env in
            let token = try env.bearer { $0["jti"] = "jti-old" }
            env.fake.revoke("token", "jti-old", expiresIn: -60)
            #expect(await twoMorePolls(env))
            #expect(await passes(env, token))
        }
    }

    // Second attacker's pass (issue 15): deleting the resource server revoked its grants and, at the same moment,
    // its feed credentials, so a guard that went on accepting tokens never heard of those revocations.
    @Test func feed401RefusesEveryTokenUntilTheCredentialsWorkAgain() async throws {
        try await withGuard { env in
            let revoked = try env.bearer { $0["jti"] = "jti-r" }
            let live = try env.bearer { $0["jti"] = "jti-l" }
            env.fake.revoke("token", "jti-r")
            #expect(await becomesRevoked(env, revoked))
            #expect(await passes(env, live))
            env.fake.state.withLock { $0.feedUnauthorized = true }
            #expect(
                await eventually {
                    if case .failure(.unavailable) = await env.verify(live) { true } else { false }
                }, "a token passed while the feed refused the credentials")
            #expect(await twoMorePolls(env), "the guard stopped polling after a 401")
            // Polling goes on: once the credentials work again, tokens pass and revocations arrive.
            env.fake.state.withLock { $0.feedUnauthorized = false }
            #expect(await eventually { await passes(env, live) })
            #expect(!(await passes(env, revoked)))
            env.fake.revoke("token", "jti-l")
            #expect(await becomesRevoked(env, live))
        }
    }

    // Second attacker's pass: rows were dropped at their expires_at (the token's exp) while the guard accepts a token
    // until exp plus the leeway, so a revoked token worked again for the leeway.
    @Test func aRevocationOutlivesItsTokenByTheLeeway() async throws {
        try await withGuard({ $0.leeway = .seconds(30) }) { env in
            let token = try env.bearer {
                $0["jti"] = "jti-short"
                $0["exp"] = env.now + 1
            }
            env.fake.revoke("token", "jti-short", expiresIn: 1)
            #expect(await becomesRevoked(env, token))
            try await Task.sleep(for: .seconds(3))
            #expect(await twoMorePolls(env, within: 60))
            #expect(!(await passes(env, token)), "past exp but within the leeway, the revoked token passed")
        }
    }

    // Second attacker's pass: a URI deleted in one workspace and registered in another; the guard, checking iss and
    // aud only, took the first workspace's tokens (and their revocations were in the other feed).
    @Test func tokensOfAnotherWorkspaceThanTheFeedNamesAreRefused() async throws {
        try await withGuard { env in
            env.fake.state.withLock { $0.feedWorkspace = "default" }
            #expect(await twoMorePolls(env))
            #expect(await passes(env, try env.bearer()))
            expectInvalidToken(await env.verify(try env.bearer { $0["workspace"] = "sales" }))
            expectInvalidToken(await env.verify(try env.bearer { $0.removeValue(forKey: "workspace") }))
        }
    }

    @Test func untilTheFeedHasAnsweredEveryTokenWaits() async throws {
        let (rsa, _) = try await sharedKeys.value
        try await withFakeServer { fake in
            fake.publish(rsa)
            fake.state.withLock { $0.feedDown = true }
            let portcullis = try PortcullisGuard(
                configuration: GuardConfiguration(
                    issuer: fake.issuer, resource: testResource, clientID: FakeAuthorizationServer.clientID,
                    clientSecret: FakeAuthorizationServer.clientSecret, feedPollInterval: .milliseconds(50),
                    logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await portcullis.run() }
                defer { portcullis.shutdown() }
                let env = Environment(fake: fake, portcullis: portcullis, rsa: rsa, ec: rsa)
                #expect(await eventually { fake.count("feed") >= 2 })
                #expect(!portcullis.isReady)
                guard case .failure(.unavailable) = await env.verify(try env.bearer()) else {
                    Issue.record("a token passed before the feed had ever answered")
                    return
                }
                fake.state.withLock { $0.feedDown = false }
                #expect(await eventually { portcullis.isReady })
                #expect(await passes(env, try env.bearer()))
            }
        }
    }

    @Test func withoutCredentialsTheFeedIsNotRead() async throws {
        try await withGuard(credentials: false) { env in
            let token = try env.bearer()
            #expect(await passes(env, token))
            #expect(env.fake.count("feed") == 0)
        }
    }
}

@Suite("Introspection")
struct IntrospectionTests {
    @Test func answersAreCachedNoLongerThanTheTTL() async throws {
        try await withGuard({
            $0.useIntrospection = true
            $0.introspectionCacheTTL = .milliseconds(300)
        }) { env in
            let token = try env.bearer()
            #expect(await passes(env, token))
            #expect(await passes(env, token))
            #expect(env.fake.count("introspect") == 1)
            try await Task.sleep(for: .milliseconds(400))
            #expect(await passes(env, token))
            #expect(env.fake.count("introspect") == 2)
        }
    }

    @Test func answersAreCachedNoLongerThanTheTokenLives() async throws {
        try await withGuard({
            $0.useIntrospection = true
            $0.introspectionCacheTTL = .seconds(3600)
        }) { env in
            // Expires in 3 s (whole seconds: far enough that the two checks below fall before it on a loaded machine); the
            // 5 s leeway keeps it acceptable locally after that, so introspection is asked again.
            let token = try env.bearer { $0["exp"] = env.now + 3 }
            #expect(await passes(env, token))
            #expect(await passes(env, token))
            #expect(env.fake.count("introspect") == 1)
            #expect(
                await eventually(10) {
                    _ = await env.verify(token)
                    return env.fake.count("introspect") == 2
                })
        }
    }

    @Test func inactiveAnswerIsInvalidToken() async throws {
        try await withGuard({ $0.useIntrospection = true }) { env in
            env.fake.state.withLock { $0.introspectionActive = false }
            expectInvalidToken(await env.verify(try env.bearer()))
        }
    }

    @Test func unreachableIntrospectionIsUnavailable() async throws {
        try await withGuard({ $0.useIntrospection = true }) { env in
            env.fake.state.withLock { $0.down = true }
            guard case .failure(.unavailable) = await env.verify(try env.bearer()) else {
                Issue.record("a token the server could not confirm must not pass")
                return
            }
            #expect(GuardError.unavailable("x").status == 503)
        }
    }

    @Test func offByDefault() async throws {
        try await withGuard { env in
            let token = try env.bearer()
            #expect(await passes(env, token))
            #expect(env.fake.count("introspect") == 0)
        }
    }
}
