// SPDX-License-Identifier: AGPL-3.0-or-later
// A minimal serial host for tests: opens a pty path like pyserial does and reads lines.

#if canImport(Glibc)
import Glibc
#endif

/// A host on the other end of `/dev/bambu/<name>`.
///
/// Exists so end-to-end tests talk to the real pty the way OctoPrint's pyserial does (open
/// non-blocking without a controlling tty, flush input, write lines, read lines).
package final class SerialClient {
    private var descriptor: Int32
    private var pending: [UInt8] = []
    /// Every line read so far, for checks over a whole conversation.
    package private(set) var transcript: [String] = []

    /// Opens the port. - Throws: `SerialClientError` with errno.
    package init(path: String) throws {
        // O_CLOEXEC, as Python's (pyserial's) descriptors: a child the test process starts meanwhile
        // (other suites start simulators) must not hold the port open after this host closed it.
        descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw SerialClientError(operation: "open \(path)", code: errno) }
        tcflush(descriptor, TCIFLUSH)
    }

    deinit { close() }

    /// Writes text as is.
    package func write(_ text: String) throws {
        var bytes = Array(text.utf8)
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EAGAIN { continue }
                throw SerialClientError(operation: "write", code: errno)
            }
            bytes.removeFirst(written)
        }
    }

    /// Writes raw bytes.
    package func write(bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 { throw SerialClientError(operation: "write", code: errno) }
    }

    /// Reads lines until `count` arrived or `timeout` passed; returns what arrived.
    package func readLines(_ count: Int, timeout: Duration = .seconds(5)) async -> [String] {
        await readLines(timeout: timeout) { $0.count >= count }
    }

    /// Reads lines until `done` holds for the lines read so far, or `timeout` passes.
    package func readLines(timeout: Duration, until done: ([String]) -> Bool) async -> [String] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var lines: [String] = []
        while true {
            drain()
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                lines.append(line)
                transcript.append(line)
                pending.removeSubrange(...newline)
            }
            if done(lines) || clock.now >= deadline { return lines }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Reads a command's reply: the lines up to and including the last one starting with `ok`, once
    /// one arrived (or what came within `timeout`). Lines read with it after that `ok`, such as an
    /// autoreport sent right after it, are dropped rather than waited past.
    package func readReply(timeout: Duration = .seconds(5)) async -> [String] {
        let lines = await readLines(timeout: timeout) { $0.contains { $0.hasPrefix("ok") } }
        guard let last = lines.lastIndex(where: { $0.hasPrefix("ok") }) else { return lines }
        return Array(lines[...last])
    }

    /// Everything that arrives within `duration`, as text.
    package func readAll(for duration: Duration) async -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while clock.now < deadline {
            drain()
            try? await Task.sleep(for: .milliseconds(5))
        }
        drain()
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            pending.append(contentsOf: buffer[0..<count])
        }
    }

    /// Closes the port.
    package func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}

/// A failed call in the test client.
package struct SerialClientError: Error, CustomStringConvertible {
    package var operation: String
    package var code: Int32
    package var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
