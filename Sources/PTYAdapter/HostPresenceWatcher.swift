// SPDX-License-Identifier: AGPL-3.0-or-later
// Watches a pty slave for opens and closes by other processes (inotify), on its own thread.

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reports when a process opens or closes the pty slave.
///
/// Exists because a pty gives its master no signal when a host attaches while the daemon holds
/// a slave descriptor (recipes: inotify `IN_OPEN`/`IN_CLOSE_*` on the slave works). The blocking
/// `poll` runs on a dedicated thread, never on Swift's cooperative pool.
///
/// `@unchecked Sendable`: the descriptors are immutable after `init`; `stop()` signals the
/// thread through a pipe and the thread closes the inotify descriptor itself.
final class HostPresenceWatcher: @unchecked Sendable {
    enum Change: Sendable { case opened, closed }

    private let inotifyDescriptor: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init(path: String) throws {
        let descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { throw PTYError(operation: "inotify_init1", errno: errno) }
        let mask = UInt32(IN_OPEN) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_CLOSE_NOWRITE)
        guard inotify_add_watch(descriptor, path, mask) >= 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw PTYError(operation: "inotify_add_watch \(path)", errno: code)
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw PTYError(operation: "pipe", errno: code)
        }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        inotifyDescriptor = descriptor
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
    }

    /// Starts the watching thread; `onChange` runs on it for each open or close.
    func start(_ onChange: @escaping @Sendable (Change) -> Void) {
        let inotifyDescriptor = inotifyDescriptor
        let wakeRead = wakeRead
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            var descriptors = [
                pollfd(fd: inotifyDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            loop: while true {
                descriptors[0].revents = 0
                descriptors[1].revents = 0
                let ready = poll(&descriptors, 2, -1)
                if ready < 0, errno == EINTR { continue }
                if ready < 0 || descriptors[1].revents != 0 { break loop }
                let count = buffer.withUnsafeMutableBytes { read(inotifyDescriptor, $0.baseAddress, $0.count) }
                if count <= 0 { continue }
                var offset = 0
                while offset + 16 <= count {
                    // struct inotify_event: wd (4), mask (4), cookie (4), len (4), name[len].
                    let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                    let nameLength = buffer.withUnsafeBytes {
                        $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
                    }
                    if mask & UInt32(IN_OPEN) != 0 { onChange(.opened) }
                    if mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_CLOSE_NOWRITE)) != 0 { onChange(.closed) }
                    offset += 16 + Int(nameLength)
                }
            }
            Glibc.close(inotifyDescriptor)
            Glibc.close(wakeRead)
        }
        thread.name = "pty-presence"
        thread.start()
    }

    /// Ends the thread.
    func stop() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
        Glibc.close(wakeWrite)
    }
}
