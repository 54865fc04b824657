import FluentKit
import Foundation
import SQLKit
import Testing

@testable import PortcullisCore
@testable import PortcullisStore

@Suite("Store: throttle counters")
struct ThrottleStoreTests {
    @Test("The full keys of a kind in their current window, for the address mirror; a pre-M0016 row takes its kind on its next count")
    func fullAddresses() async throws {
        let before = PortcullisMigrations.all.filter { $0.name != "M0016_AddThrottleKind" }
        try await withStore(migrations: before) { store in
            try await store.sql.raw(
                "INSERT INTO throttle_buckets (key_digest, window_start, attempts) VALUES ('old-address', 100, 5)"
            ).run()
            try await store.migrate()
            let throttle = store.throttle
            #expect(try await throttle.full(kind: "address", attempts: 3, now: 110, window: 60).isEmpty, "an old row has no kind")
            _ = try await throttle.increment("old-address", kind: "address", now: 110, window: 60)
            for _ in 0..<3 { _ = try await throttle.increment("full-address", kind: "address", now: 120, window: 60) }
            for _ in 0..<2 { _ = try await throttle.increment("room-address", kind: "address", now: 120, window: 60) }
            for _ in 0..<5 { _ = try await throttle.increment("a-pair", kind: "pair", now: 120, window: 60) }
            let full = try await throttle.full(kind: "address", attempts: 3, now: 130, window: 60)
            #expect(Set(full.map(\.digest)) == ["old-address", "full-address"])
            #expect(full.first { $0.digest == "old-address" }?.count == 6)
            #expect(full.first { $0.digest == "full-address" }.map { ($0.count, $0.windowStart) } ?? (0, 0) == (3, 120))
            // Past the window nothing is full.
            #expect(try await throttle.full(kind: "address", attempts: 3, now: 181, window: 60).isEmpty)
        }
    }
}
