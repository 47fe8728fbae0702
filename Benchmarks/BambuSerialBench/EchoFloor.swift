// SPDX-License-Identifier: AGPL-3.0-or-later
// The latency floor: a bare pty whose master answers each line with one `ok T:…` line.

#if canImport(Glibc)
import Glibc
#endif

/// The least any bridge can cost: one blocking `read`/`write` loop on a raw pty master.
///
/// Exists so round-trip and throughput figures are quoted next to what the kernel's pty layer alone
/// costs on the same machine in the same run (BENCHMARKS.md, benchmarks 1 and 5).
enum EchoFloor {
    /// The reply, as long as the daemon's `M105` answer for an idle printer.
    static let reply = Array("ok T:25.0 /0.0 B:24.0 /0.0 C:26.0 /0.0 @:0 B@:0\n".utf8)

    static func run(link: String) -> Never {
        var master: Int32 = -1
        var slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { fail("openpty failed") }
        var attributes = termios()
        tcgetattr(slave, &attributes)
        cfmakeraw(&attributes)
        attributes.c_cflag &= ~tcflag_t(HUPCL)
        tcsetattr(slave, TCSANOW, &attributes)
        var name = [CChar](repeating: 0, count: 256)
        guard ttyname_r(slave, &name, name.count) == 0 else { fail("ttyname_r failed") }
        unlink(link)
        guard symlink(name, link) == 0 else { fail("symlink \(link) failed") }
        print("ready \(link)")
        fflush(nil)
        // `slave` stays open so the master never sees a hangup between hosts.
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { exit(0) }
            for index in 0..<count where buffer[index] == 0x0A {
                _ = reply.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            }
        }
    }
}
