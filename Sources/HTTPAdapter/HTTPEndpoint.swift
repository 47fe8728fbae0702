// SPDX-License-Identifier: AGPL-3.0-or-later
// The local HTTP endpoint: /status, and each printer's camera as MJPEG stream and snapshot.

package import BridgeConfig
package import BridgeRuntime
package import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// What the endpoint serves, handed to every connection.
///
/// Exists to keep the per-connection handler free of configuration plumbing: one value with the
/// token, the camera hub and where the printers' status comes from.
struct HTTPServices: Sendable {
    var token: Secret?
    var hub: CameraHub
    /// Every configured printer's status (the supervisor's view).
    var statuses: @Sendable () -> [PrinterStatus]
    var logger: Logger
    /// The multipart boundary of MJPEG streams.
    static let boundary = "bambu-serial-frame"
}

/// A running HTTP/1.1 server on `[http] listen`.
///
/// Exists so hosts such as OctoPrint can show a printer's camera (`/<printer>/stream`,
/// `/<printer>/snapshot`) and scripts can read every printer's state (`/status`). Built on
/// SwiftNIO's HTTP/1 codec; it never touches a printer's serial port or MQTT link, so a failure
/// here leaves the printers running.
package final class HTTPEndpoint: Sendable {
    /// The port actually bound (useful with port 0 in tests).
    package let port: Int
    /// `host:port` as bound.
    package let address: String
    private let channel: any Channel

    private init(channel: any Channel, port: Int, address: String) {
        self.channel = channel
        self.port = port
        self.address = address
    }

    /// Binds `settings.listen` and starts serving; throws when the address cannot be bound.
    package static func start(
        settings: HTTPSettings, hub: CameraHub, statuses: @escaping @Sendable () -> [PrinterStatus], logger: Logger
    ) async throws -> HTTPEndpoint {
        guard let (host, port) = ListenAddress.parse(settings.listen) else {
            throw HTTPEndpointError("'listen' must be host:port, not \"\(settings.listen)\"")
        }
        let services = HTTPServices(token: settings.token, hub: hub, statuses: statuses, logger: logger)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A slow viewer's frames are dropped once 256 KiB wait for its socket (MJPEGWriter checks writability).
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(services: services))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw HTTPEndpointError("cannot listen on \(settings.listen): \(error)")
        }
        let bound = channel.localAddress?.port ?? port
        let address = host.contains(":") ? "[\(host)]:\(bound)" : "\(host):\(bound)"
        return HTTPEndpoint(channel: channel, port: bound, address: address)
    }

    /// Stops accepting connections; open streams end when their viewers go or their cameras close.
    package func stop() async {
        try? await channel.close()
    }
}

/// Why the endpoint could not start.
package struct HTTPEndpointError: Error, CustomStringConvertible, Sendable {
    package var description: String
    init(_ description: String) { self.description = description }
}

/// `host:port` and `[v6]:port` as the configuration writes them.
enum ListenAddress {
    static func parse(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
