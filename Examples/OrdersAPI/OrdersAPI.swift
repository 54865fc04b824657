import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PortcullisGuard
import PortcullisGuardHummingbird
import ServiceLifecycle
import Synchronization

/// A small API behind the Portcullis guard: `GET /orders` needs `read:orders`, `POST /orders` needs `write:orders`.
@main
struct OrdersAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "OrdersAPI",
        abstract: "An example API that accepts Portcullis access tokens.",
        discussion: """
            Every option can also come from the environment; an option given on the command line wins.
              ORDERS_HOST, ORDERS_PORT, PORTCULLIS_ISSUER, ORDERS_RESOURCE, PORTCULLIS_CLIENT_ID,
              PORTCULLIS_CLIENT_SECRET, ORDERS_INTROSPECTION=1, LOG_LEVEL
            Once listening it prints one line: "OrdersAPI listening on http://HOST:PORT".
            """
    )

    @Option(help: "Address to listen on (env ORDERS_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on, 0 for any (env ORDERS_PORT; default 8081).")
    var port: Int?

    @Option(help: "The authorization server's issuer (env PORTCULLIS_ISSUER; default http://127.0.0.1:8080).")
    var issuer: String?

    @Option(help: "This API's resource URI, the aud tokens must carry (env ORDERS_RESOURCE; default https://api.example.com/).")
    var resource: String?

    @Option(name: .customLong("client-id"), help: "The resource server's client id, rs_… (env PORTCULLIS_CLIENT_ID); enables the revocation feed.")
    var clientID: String?

    @Option(help: "The resource server's client secret (env PORTCULLIS_CLIENT_SECRET).")
    var clientSecret: String?

    @Flag(help: "Confirm tokens by introspection too, cached up to 30 s (env ORDERS_INTROSPECTION=1; needs the credentials).")
    var introspection = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env LOG_LEVEL; default info).")
    var logLevel: String?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let host = host ?? env["ORDERS_HOST"] ?? "127.0.0.1"
        let port = port ?? env["ORDERS_PORT"].map { Int($0) ?? -1 } ?? 8081
        guard (0...65535).contains(port) else {
            throw ValidationError("the port must be a number from 0 to 65535")
        }
        var logger = Logger(label: "orders-api")
        logger.logLevel = (logLevel ?? env["LOG_LEVEL"]).flatMap { Logger.Level(rawValue: $0) } ?? .info

        let settings = GuardConfiguration(
            issuer: issuer ?? env["PORTCULLIS_ISSUER"] ?? "http://127.0.0.1:8080",
            resource: resource ?? env["ORDERS_RESOURCE"] ?? "https://api.example.com/",
            clientID: clientID ?? env["PORTCULLIS_CLIENT_ID"],
            clientSecret: clientSecret ?? env["PORTCULLIS_CLIENT_SECRET"],
            useIntrospection: introspection || env["ORDERS_INTROSPECTION"] == "1",
            scopesSupported: ["read:orders", "write:orders"],
            resourceName: "Orders API",
            logger: logger
        )
        let portcullis: PortcullisGuard
        do {
            portcullis = try PortcullisGuard(configuration: settings)
        } catch {
            throw ValidationError(error.message)
        }

        let app = Application(
            router: makeRouter(portcullis),
            configuration: .init(address: .hostname(host, port: port), serverName: "OrdersAPI"),
            services: [PortcullisGuardService(portcullis)],
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                // Written straight to the file descriptor, unbuffered, so a script waiting for the line sees it at once.
                FileHandle.standardOutput.write(Data("OrdersAPI listening on http://\(host):\(bound)\n".utf8))
            },
            logger: logger
        )
        // runService stops gracefully on SIGINT and SIGTERM.
        try await app.runService()
    }
}

struct OrdersContext: PortcullisRequestContext {
    var coreContext: CoreRequestContextStorage
    var portcullisPrincipal: Principal?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}

struct Order: Codable, Sendable, ResponseEncodable {
    var id: Int
    var item: String
    var quantity: Int
    var owner: String
}

struct NewOrder: Decodable {
    var item: String
    var quantity: Int
}

struct OrderList: ResponseEncodable {
    var subject: String
    var orders: [Order]
}

/// The orders, in memory: a few to list from the start, and at most `capacity` in all (an example must not grow
/// without bound because callers post to it).
final class OrderBook: Sendable {
    static let seed = [
        Order(id: 1, item: "portcullis chain", quantity: 2, owner: "example"),
        Order(id: 2, item: "gatehouse lamp", quantity: 1, owner: "example"),
    ]
    static let capacity = 10_000
    private let orders = Mutex<[Order]>(OrderBook.seed)

    func list() -> [Order] { orders.withLock { $0 } }

    /// The new order, or nil when the book is full.
    func add(_ new: NewOrder, owner: String) -> Order? {
        orders.withLock { orders in
            guard orders.count < Self.capacity else { return nil }
            let order = Order(id: (orders.last?.id ?? 0) + 1, item: new.item, quantity: new.quantity, owner: owner)
            orders.append(order)
            return order
        }
    }
}

func makeRouter(_ portcullis: PortcullisGuard) -> Router<OrdersContext> {
    let book = OrderBook()
    let router = Router(context: OrdersContext.self)

    // Ready once the guard can check tokens: keys loaded and, with credentials, the revocation feed read once.
    router.get("health") { _, _ -> Response in
        portcullis.isReady
            ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
            : Response(status: .serviceUnavailable, headers: [.retryAfter: "1"], body: .init(byteBuffer: ByteBuffer(string: "starting")))
    }
    router.addProtectedResourceMetadata(portcullis)

    // The unguarded twin of GET /orders: the same work without the guard, so a benchmark can measure the guard. It
    // lists the seed orders only: what callers posted is theirs to see with a token (the attacker's pass, issue 15).
    router.get("orders/plain") { _, _ in
        OrderList(subject: "anonymous", orders: OrderBook.seed)
    }

    router.group("orders")
        .add(middleware: PortcullisGuardMiddleware(portcullis, scopes: ["read:orders"]))
        .get { _, context in
            OrderList(subject: context.portcullisPrincipal?.subject ?? "anonymous", orders: book.list())
        }

    router.group("orders")
        .add(middleware: PortcullisGuardMiddleware(portcullis, scopes: ["write:orders"]))
        .post { request, context -> EditedResponse<Order> in
            guard let new = try? await request.decode(as: NewOrder.self, context: context), !new.item.isEmpty, new.item.count <= 200,
                (1...1_000_000).contains(new.quantity)
            else {
                throw HTTPError(.badRequest, message: "send {\"item\": \"…\" (at most 200 characters), \"quantity\": n} with n from 1 to 1000000")
            }
            guard let order = book.add(new, owner: context.portcullisPrincipal?.subject ?? "anonymous") else {
                throw HTTPError(.serviceUnavailable, message: "the example keeps at most \(OrderBook.capacity) orders")
            }
            return EditedResponse(status: .created, response: order)
        }
    return router
}
