// swift-tools-version:6.2
import PackageDescription

// Swift 6 language mode everywhere; ExistentialAny and MemberImportVisibility as DESIGN.md asks.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// The libraries below the server import internally by default: a dependency their public API exposes is marked
// `public import`, so one leaking through by accident is a compile error.
let layeredSettings = swiftSettings + [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "portcullis",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portcullis", targets: ["portcullis"]),
        .library(name: "PortcullisCore", targets: ["PortcullisCore"]),
        .library(name: "PortcullisWire", targets: ["PortcullisWire"]),
        .library(name: "PortcullisStore", targets: ["PortcullisStore"]),
        .library(name: "PortcullisServer", targets: ["PortcullisServer"]),
        // For APIs that accept Portcullis tokens (issue 15); neither depends on the server.
        .library(name: "PortcullisGuard", targets: ["PortcullisGuard"]),
        .library(name: "PortcullisGuardHummingbird", targets: ["PortcullisGuardHummingbird"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/fluent-kit", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/async-kit", from: "1.22.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // RS256 signing through the system's OpenSSL 3, loaded at run time (no headers or library needed to build).
        .target(name: "CSystemRSA", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(
            name: "PortcullisCore",
            dependencies: [
                "CSystemRSA",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: layeredSettings
        ),
        .target(
            name: "PortcullisWire",
            swiftSettings: layeredSettings
        ),
        .target(
            name: "PortcullisStore",
            dependencies: [
                "PortcullisCore",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncKit", package: "async-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: layeredSettings
        ),
        .target(
            name: "PortcullisServer",
            dependencies: [
                "PortcullisCore",
                "PortcullisWire",
                "PortcullisStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: layeredSettings
        ),
        // Checks Portcullis access tokens inside any Swift API: only the wire types, jwt-kit and an HTTP client.
        .target(
            name: "PortcullisGuard",
            dependencies: [
                "PortcullisWire",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: layeredSettings
        ),
        // The guard as Hummingbird middleware, apart so the guard itself needs no web framework.
        .target(
            name: "PortcullisGuardHummingbird",
            dependencies: [
                "PortcullisGuard", "PortcullisWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: layeredSettings
        ),
        // The example API of README's "Protecting your API": two routes, two scopes, behind the guard.
        .executableTarget(
            name: "OrdersAPI",
            dependencies: [
                "PortcullisGuard", "PortcullisGuardHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/OrdersAPI",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "portcullis",
            dependencies: [
                "PortcullisServer",
                "PortcullisStore",
                "PortcullisCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: layeredSettings
        ),
        .target(
            name: "PortcullisTestSupport",
            dependencies: ["PortcullisStore", "PortcullisCore", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/PortcullisTestSupport",
            swiftSettings: layeredSettings
        ),
        .testTarget(
            name: "PortcullisCoreTests",
            dependencies: ["PortcullisCore", .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortcullisStoreTests",
            dependencies: [
                "PortcullisStore", "PortcullisCore", "PortcullisTestSupport", .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "FluentKit", package: "fluent-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortcullisGuardTests",
            dependencies: [
                "PortcullisGuard", "PortcullisGuardHummingbird", "PortcullisWire",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortcullisServerTests",
            dependencies: [
                "PortcullisServer",
                "PortcullisWire",
                "PortcullisStore",
                "PortcullisCore",
                "PortcullisTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
