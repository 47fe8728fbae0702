// SPDX-License-Identifier: AGPL-3.0-or-later
// sd_notify from a thread of its own: a reader that stops reading never blocks the caller.

import Foundation
import SystemdAdapter
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1))) struct SystemdNotifierTests {
    /// Forty status changes to a notify socket nobody reads return at once (a blocking `sd_notify`
    /// on the caller's thread stops after `net.unix.max_dgram_qlen` messages, 10 by default); read
    /// later, the messages are in order, `READY=1` first and the newest status last, and a status
    /// that waited behind the full queue was replaced by a newer one rather than queued.
    @Test func aReaderThatFallsBehindNeverBlocksTheSender() async throws {
        let path = NSTemporaryDirectory() + "notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(socket >= 0)
        defer {
            close(socket)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        setenv("NOTIFY_SOCKET", path, 1)

        let notifier = SystemdNotifier()
        let clock = ContinuousClock()
        let started = clock.now
        notifier.send("READY=1\nSTATUS=starting")
        for index in 1...40 { notifier.send("STATUS=\(index) printers connected") }
        #expect(clock.now - started < .seconds(1), "sending must not wait for the reader")

        var received: [String] = []
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.last != "STATUS=40 printers connected" {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
        #expect(received.first == "READY=1\nSTATUS=starting", "\(received)")
        #expect(received.last == "STATUS=40 printers connected", "\(received)")
        let numbers = received.dropFirst().compactMap { Int($0.dropFirst("STATUS=".count).prefix { $0.isNumber }) }
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "in order, none twice: \(received)")
        #expect(await notifier.flush(timeout: .seconds(2)))
    }
}
