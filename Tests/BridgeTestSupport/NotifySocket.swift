// SPDX-License-Identifier: AGPL-3.0-or-later
// A stand-in for systemd's notification socket: collects sd_notify datagrams.

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOConcurrencyHelpers

/// Receives what the daemon sends with `sd_notify` (`READY=1`, `STATUS=…`).
///
/// Exists so readiness is tested the way systemd sees it, without systemd.
package final class NotifySocket: Sendable {
    package let path: String
    private let descriptor: Int32
    private let messages = NIOLockedValueBox<[String]>([])

    package init(directory: String) throws {
        path = directory + "/notify.sock"
        unlink(path)
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            let bytes = Array(path.utf8.prefix(buffer.count - 1))
            buffer.copyBytes(from: bytes + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard descriptor >= 0, bound == 0 else { throw SerialClientError(operation: "bind \(path)", code: errno) }
        _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
    }

    deinit { close(descriptor) }

    /// Every datagram received so far.
    package var received: [String] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            messages.withLockedValue { $0.append(text) }
        }
        return messages.withLockedValue { $0 }
    }
}
