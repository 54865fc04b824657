import Foundation
import HTTPTypes
import HummingbirdTesting
import PortcullisStore
import Testing

@testable import PortcullisCore
@testable import PortcullisServer

@Suite("Discovery and signing keys")
struct DiscoveryTests {
    @Test("RFC 8414 metadata lists exactly what is served")
    func metadata() async throws {
        try await withServer { _, client in
            let response = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["issuer"] as? String == "http://portcullis.test")
            #expect(body["token_endpoint"] as? String == "http://portcullis.test/oauth/token")
            #expect(body["jwks_uri"] as? String == "http://portcullis.test/oauth/jwks")
            #expect(body["grant_types_supported"] as? [String] == ["authorization_code", "password", "client_credentials", "refresh_token", "implicit"])
            #expect(body["authorization_endpoint"] as? String == "http://portcullis.test/oauth/authorize")
            #expect(body["response_types_supported"] as? [String] == ["code", "token"])
            #expect(body["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(body["authorization_response_iss_parameter_supported"] as? Bool == true)
            #expect(body["scopes_supported"] as? [String] == ["*", "view_processes", "edit_processes"])
            #expect(body["token_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post", "none"])
            // Every endpoint it names answers.
            for key in ["jwks_uri"] {
                let path = (body[key] as! String).replacingOccurrences(of: "http://portcullis.test", with: "")
                #expect(try await client.execute(uri: path, method: .get).status == .ok)
            }
        }
    }

    @Test("The JWKS is served at both addresses and holds the active public key only as public parts")
    func jwks() async throws {
        try await withServer { server, client in
            for path in ["/oauth/jwks", "/.well-known/jwks.json"] {
                let response = try await client.execute(uri: path, method: .get)
                let keys = try #require(try response.json()["keys"] as? [[String: String]])
                #expect(keys.count == 1)
                #expect(keys[0]["kid"] == server.portcullis.keyRing.active?.kid)
                #expect(keys[0]["kty"] == "RSA" && keys[0]["alg"] == "RS256" && keys[0]["use"] == "sig")
                #expect(keys[0]["n"] != nil && keys[0]["e"] != nil && keys[0]["d"] == nil && keys[0]["p"] == nil)
            }
        }
    }

    @Test("Rotation: new tokens use the new key; the old key stays published and its tokens still verify")
    func rotation() async throws {
        try await withServer { server, client in
            func token() async throws -> String {
                try await client.postForm("/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret))
                    .string("access_token")!
            }
            let before = try await token()
            let oldKID = server.portcullis.keyRing.active!.kid
            let rotated = try await server.portcullis.keyManager.rotate()
            // Another process rotating is seen by the mirror; here we reload as the mirror would.
            try await server.portcullis.keyManager.reload()
            let after = try await token()
            func kid(_ token: String) throws -> String? {
                let header = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(token.split(separator: ".")[0])!)) as? [String: Any]
                return header?["kid"] as? String
            }
            #expect(try kid(before) == oldKID)
            #expect(try kid(after) == rotated.kid)
            let keys = try await client.execute(uri: "/oauth/jwks", method: .get).json()["keys"] as! [[String: String]]
            #expect(Set(keys.compactMap { $0["kid"] }) == [oldKID, rotated.kid])
            #expect(keys.first?["kid"] == rotated.kid)
            let now = server.portcullis.clock.now()
            #expect(try server.portcullis.authorizationServer.codec.verify(before, now: now).subject == server.clientID)
            // A personal access token signed with the old key may live a year: the old key stays published past the
            // access-token lifetime, until the longest token it could have signed has expired.
            server.time.advance(server.portcullis.configuration.accessTokenLifetime + 86400)
            try await server.portcullis.keyManager.reload()
            #expect(server.portcullis.keyRing.key(kid: oldKID) != nil, "a year-long token signed with the old key must still verify")
            server.time.advance(Int64(PersonalAccessTokens.absoluteMaximumDays) * 86400)
            try await server.portcullis.keyManager.reload()
            #expect(server.portcullis.keyRing.key(kid: oldKID) == nil)
        }
    }

    @Test("A key rotated by another process is in use after the next mirror pass", .timeLimit(.minutes(5)))
    func rotationSeenByMirror() async throws {
        try await withServer { server, client in
            let old = server.portcullis.keyRing.active!.kid
            // A second Portcullis on the same folder plays the CLI.
            let cli = try await Portcullis.open(server.portcullis.configuration, logger: TestServer.quietLogger)
            let rotated = try await cli.keyManager.rotate()
            await cli.close()
            try await server.nextMirrorPass()
            #expect(server.portcullis.keyRing.active?.kid == rotated.kid, "the mirror did not pick up the new key")
            #expect(server.portcullis.keyRing.key(kid: old) != nil)
        }
    }

    @Test("ES256 and EdDSA are selectable", arguments: [SigningAlgorithm.es256, .edDSA])
    func algorithms(_ algorithm: SigningAlgorithm) async throws {
        try await withServer({ $0.signingAlgorithm = algorithm }) { server, client in
            let response = try await client.postForm(
                "/oauth/token", [("grant_type", "client_credentials")], headers: basic(server.clientID, server.clientSecret))
            let token = try #require(try response.string("access_token"))
            let header = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(token.split(separator: ".")[0])!)) as? [String: Any]
            #expect(header?["alg"] as? String == algorithm.rawValue)
            let jwk = try await client.execute(uri: "/oauth/jwks", method: .get).json()["keys"] as! [[String: String]]
            #expect(jwk[0]["kty"] == (algorithm == .es256 ? "EC" : "OKP"))
        }
    }

    @Test("The health route answers without authentication")
    func health() async throws {
        try await withServer { _, client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == "{\"status\":\"ok\"}")
        }
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("A flag beats the environment, which beats the default")
    func precedence() throws {
        let defaults = try Configuration.resolve(flags: [:], environment: [:])
        #expect(defaults.port == 8080 && defaults.accessTokenLifetime == 3600 && defaults.bcryptCost == 10)
        #expect(defaults.resolvedIssuer == "http://127.0.0.1:8080")
        #expect(try defaults.databaseLocation() == .sqlite(path: "./data/portcullis.sqlite"))
        let env = try Configuration.resolve(flags: [:], environment: ["PORTCULLIS_PORT": "9000", "PORTCULLIS_ACCESS_TOKEN_TTL": "2h"])
        #expect(env.port == 9000 && env.accessTokenLifetime == 7200)
        let flag = try Configuration.resolve(flags: ["port": "9100"], environment: ["PORTCULLIS_PORT": "9000"])
        #expect(flag.port == 9100)
        let issuer = try Configuration.resolve(flags: ["issuer": "https://auth.example.com/"], environment: [:])
        #expect(issuer.resolvedIssuer == "https://auth.example.com")
    }

    @Test(
        "Bad values are refused with a message that names the setting",
        arguments: [
            ("port", "80000"), ("bcrypt-cost", "3"), ("signing-alg", "HS256"), ("access-token-ttl", "soon"),
            ("code-ttl", "900"), ("issuer", "ftp://x"), ("database-url", "mysql://x"), ("log-level", "loud"),
        ])
    func badValues(_ flag: String, _ value: String) {
        #expect {
            try Configuration.resolve(flags: [flag: value], environment: [:])
        } throws: { error in
            "\(error)".contains(flag) || "\(error)".contains("DATABASE_URL")
        }
    }

    @Test("Secrets are never flags")
    func secretsNotFlags() {
        for environment in ["PORTCULLIS_SECRET_KEY", "PORTCULLIS_ADMIN_PASSWORD"] {
            #expect(Configuration.settings.first { $0.environment == environment }?.flag == nil)
        }
    }
}
