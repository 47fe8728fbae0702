// SPDX-License-Identifier: AGPL-3.0-or-later
// One HTTP connection: checks the token, routes, answers /status, snapshots and MJPEG streams.

import BambuModel
import BridgeConfig
import BridgeCore
import BridgeRuntime
import Logging
import NIOCore
import NIOHTTP1

/// Answers the requests of one connection.
///
/// Exists as the NIO side of the endpoint: it runs on the connection's event loop, hands slow
/// work (camera frames, status) to tasks that write back through the `Channel`, and cancels a
/// running stream when the viewer goes away. The request URI is never logged: it may hold the token.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let services: HTTPServices
    private var head: HTTPRequestHead?
    private var work: Task<Void, Never>?

    init(services: HTTPServices) {
        self.services = services
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            handle(head, channel: context.channel)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        work?.cancel()
        work = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        work?.cancel()
        work = nil
    }

    private func handle(_ head: HTTPRequestHead, channel: any Channel) {
        let services = services
        let reply = Reply(channel: channel, request: head)
        if let token = services.token,
            !HTTPRoute.isAuthorized(token: token.value, authorization: head.headers["Authorization"], uri: head.uri)
        {
            reply.text(
                .unauthorized, "a token is required: send 'Authorization: Bearer <token>' or add ?token=<token>\n",
                headers: [("WWW-Authenticate", "Bearer")])
            return
        }
        switch HTTPRoute(method: head.method.rawValue, uri: head.uri) {
        case .notFound:
            reply.text(.notFound, "not found; the endpoint serves /status, /<printer>/stream and /<printer>/snapshot\n")
        case .methodNotAllowed:
            reply.text(.methodNotAllowed, "only GET is allowed here\n", headers: [("Allow", "GET")])
        case .status:
            work = Task {
                let statuses = services.statuses()
                var cameras: [String: CameraState] = [:]
                for status in statuses { cameras[status.session.name] = await services.hub.state(of: status.session.name) }
                let body = StatusDocument.json(statuses, cameras: cameras).serialized + "\n"
                reply.send(.ok, contentType: "application/json", body: Array(body.utf8))
            }
        case .snapshot(let printer):
            guard isKnown(printer) else {
                reply.text(.notFound, "no printer named \(printer)\n")
                return
            }
            work = Task {
                do throws(CameraError) {
                    let frame = try await services.hub.snapshot(printer)
                    reply.send(.ok, contentType: "image/jpeg", body: frame.jpeg, headers: [("Cache-Control", "no-store")])
                } catch {
                    services.logger.notice(
                        "camera snapshot failed", metadata: ["printer.name": "\(printer)", "error": "\(error.message)"])
                    reply.text(.serviceUnavailable, "no snapshot from \(printer)'s camera: \(error.message)\n")
                }
            }
        case .stream(let printer):
            guard isKnown(printer) else {
                reply.text(.notFound, "no printer named \(printer)\n")
                return
            }
            work = Task { await MJPEGWriter(printer: printer, services: services, reply: reply).run() }
        }
    }

    private func isKnown(_ printer: String) -> Bool {
        services.statuses().contains { $0.session.name == printer }
    }
}

/// Writes one response through the channel, from any thread.
struct Reply: Sendable {
    let channel: any Channel
    let request: HTTPRequestHead

    /// A complete response with a body and `Content-Length`; closes the connection when the client asked.
    func send(
        _ status: HTTPResponseStatus, contentType: String, body: [UInt8], headers extra: [(String, String)] = []
    ) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.count))])
        for (name, value) in extra { headers.add(name: name, value: value) }
        let keepAlive = request.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: request.version, status: status, headers: headers)), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive {
            let channel = channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// A plain-text response.
    func text(_ status: HTTPResponseStatus, _ message: String, headers: [(String, String)] = []) {
        send(status, contentType: "text/plain; charset=utf-8", body: Array(message.utf8), headers: headers)
    }
}

/// Streams one viewer's MJPEG: a `multipart/x-mixed-replace` body, one JPEG part per frame.
///
/// Exists to keep backpressure in one place: a frame is written only while the channel is
/// writable (its outbound buffer under the high-water mark); otherwise it is dropped, and the
/// hub's one-frame buffer means the viewer gets the newest frame once its socket drains.
struct MJPEGWriter: Sendable {
    let printer: String
    let services: HTTPServices
    let reply: Reply

    func run() async {
        let channel = reply.channel
        let frames: AsyncStream<CameraFrame>
        do throws(CameraError) {
            frames = try await services.hub.subscribe(printer)
        } catch {
            reply.text(.serviceUnavailable, "no stream from \(printer)'s camera: \(error.message)\n")
            return
        }
        services.logger.info("camera viewer connected", metadata: ["printer.name": "\(printer)"])
        // HTTP/1.0 style (no chunking, the body ends when the connection closes), as MJPEG servers answer.
        let headers = HTTPHeaders([
            ("Content-Type", "multipart/x-mixed-replace; boundary=\(HTTPServices.boundary)"),
            ("Cache-Control", "no-cache, no-store, must-revalidate"), ("Pragma", "no-cache"), ("Connection", "close"),
        ])
        channel.writeAndFlush(
            HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_0, status: .ok, headers: headers)), promise: nil)
        var sent = 0
        var dropped = 0
        for await frame in frames {
            guard channel.isActive, !Task.isCancelled else { break }
            guard channel.isWritable else {
                dropped += 1
                continue
            }
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(Self.part(frame.jpeg, allocator: channel.allocator))), promise: nil)
            sent += 1
        }
        services.logger.info(
            "camera viewer left", metadata: ["printer.name": "\(printer)", "frames.sent": "\(sent)", "frames.dropped": "\(dropped)"])
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// `--boundary`, the part's headers, the JPEG and the line break that ends the part.
    static func part(_ jpeg: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: jpeg.count + 96)
        buffer.writeString("--\(HTTPServices.boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n")
        buffer.writeBytes(jpeg)
        buffer.writeString("\r\n")
        return buffer
    }
}
