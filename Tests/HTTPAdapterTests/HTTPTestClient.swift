// SPDX-License-Identifier: AGPL-3.0-or-later
// A small blocking HTTP client over a socket, run on its own thread, for endpoint tests.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 connection to the endpoint under test.
///
/// Exists because the tests must see the bytes the server writes (status line, headers, multipart
/// boundaries) and control reading (a viewer that reads nothing). Its calls block, so tests call
/// them through `onThread`, never on the cooperative pool.
final class HTTPTestClient: @unchecked Sendable {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks the socket's buffer (a slow viewer).
    /// `timeout` (seconds) bounds each read: every suite starts at once, and a 2-core CI machine has
    /// taken over 10 s to answer a snapshot request then.
    init(port: Int, receiveBuffer: Int32? = nil, timeout: Int = 30) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestClientError("socket failed") }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw TestClientError("connect failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Sends a request; `headers` are added after Host.
    func send(_ method: String = "GET", _ target: String, headers: [String] = [], close: Bool = true) {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for header in headers { text += header + "\r\n" }
        if close { text += "Connection: close\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Why the last `fill` got nothing: the peer closed, or the read timed out.
    private var ending = "connection ended"

    /// Reads more bytes into the buffer; false at end of stream or timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { ending = errno == EAGAIN ? "no answer within the read timeout" : "read failed (\(errno))" }
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    /// Reads until `marker` is in the buffer and returns the bytes before it (consuming the marker).
    private func read(until marker: [UInt8]) throws -> [UInt8] {
        while true {
            if let range = Self.find(marker, in: buffer) {
                let before = Array(buffer[..<range.lowerBound])
                buffer.removeSubrange(..<range.upperBound)
                return before
            }
            guard fill() else { throw TestClientError("\(ending) before \(String(decoding: marker, as: UTF8.self))") }
        }
    }

    private func read(count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard fill() else { throw TestClientError("\(ending) after \(buffer.count) of \(count) bytes") }
        }
        defer { buffer.removeSubrange(..<count) }
        return Array(buffer[..<count])
    }

    /// The status line and headers (names lower-cased).
    func readHead() throws -> (status: Int, headers: [String: String]) {
        let text = String(decoding: try read(until: Array("\r\n\r\n".utf8)), as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestClientError("bad status line") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    /// A whole response with a `Content-Length` body.
    func readResponse() throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        let head = try readHead()
        let length = Int(head.headers["content-length"] ?? "") ?? 0
        return (head.status, head.headers, try read(count: length))
    }

    /// The next multipart part: checks the boundary line, its headers and returns the JPEG.
    func readPart(boundary: String) throws -> (headers: [String: String], body: [UInt8]) {
        var line = try read(until: Array("\r\n".utf8))
        if line.isEmpty { line = try read(until: Array("\r\n".utf8)) }
        guard String(decoding: line, as: UTF8.self) == "--" + boundary else {
            throw TestClientError("expected the boundary, got \(String(decoding: line.prefix(60), as: UTF8.self))")
        }
        var headers: [String: String] = [:]
        while true {
            let header = String(decoding: try read(until: Array("\r\n".utf8)), as: UTF8.self)
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: ":") else { throw TestClientError("bad part header \(header)") }
            headers[header[..<colon].lowercased()] = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let length = Int(headers["content-length"] ?? "") else { throw TestClientError("part without Content-Length") }
        let body = try read(count: length)
        guard try read(count: 2) == Array("\r\n".utf8) else { throw TestClientError("part not followed by CRLF") }
        return (headers, body)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start..<start + needle.count }
        }
        return nil
    }
}

struct TestClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking client work on a new thread.
func onThread<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
