// SPDX-License-Identifier: AGPL-3.0-or-later
// A raw-descriptor serial host: writes a line, reads up to the `ok`, and times it.

#if canImport(Glibc)
import Glibc
#endif

/// One open serial port, read with plain `read` calls (no byte-at-a-time reads like pyserial).
///
/// Exists so the daemon and the echo floor are measured by the same client code.
final class PortClient {
    let path: String
    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init(path: String) {
        self.path = path
        descriptor = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { fail("cannot open \(path): \(String(cString: strerror(errno)))") }
        var attributes = termios()
        tcgetattr(descriptor, &attributes)
        cfmakeraw(&attributes)
        tcsetattr(descriptor, TCSANOW, &attributes)
        pending.reserveCapacity(8192)
    }

    deinit { close(descriptor) }

    /// Writes `line` (with its newline) and returns once a line starting with `ok` has arrived.
    func exchange(_ line: [UInt8]) {
        var written = 0
        while written < line.count {
            let count = line[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                fail("write \(path): \(String(cString: strerror(errno)))")
            }
            written += count
        }
        while true {
            if let end = pending.firstIndex(of: 0x0A) {
                let isOK = end >= 2 && pending[0] == UInt8(ascii: "o") && pending[1] == UInt8(ascii: "k")
                pending.removeSubrange(...end)
                if isOK { return }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { fail("read \(path): end of data") }
            pending.append(contentsOf: buffer[0..<count])
        }
    }
}

/// Benchmark 1: request/reply latency, ports interleaved so contention hits them all alike.
enum RoundTrip {
    static func run(ports: [String], count: Int, warmup: Int, line: String) {
        guard !ports.isEmpty else { fail("roundtrip needs --port") }
        let clients = ports.map(PortClient.init(path:))
        let request = Array((line + "\n").utf8)
        for _ in 0..<warmup { for client in clients { client.exchange(request) } }
        var samples = Array(repeating: [Double](), count: clients.count)
        for index in samples.indices { samples[index].reserveCapacity(count) }
        for iteration in 0..<count {
            // Alternate who goes first so neither always follows the other's wake-up.
            for offset in 0..<clients.count {
                let which = (iteration + offset) % clients.count
                let start = monotonicNanoseconds()
                clients[which].exchange(request)
                samples[which].append(Double(monotonicNanoseconds() - start) / 1000)
            }
        }
        for (client, sample) in zip(clients, samples) {
            let stats = Percentiles(sample)
            print(
                #"{"bench":"roundtrip","port":"\#(client.path)","count":\#(count),"p50_us":\#(formatted(stats.at(0.5))),"#
                    + #""p90_us":\#(formatted(stats.at(0.9))),"p99_us":\#(formatted(stats.at(0.99))),"#
                    + #""p999_us":\#(formatted(stats.at(0.999))),"max_us":\#(formatted(stats.at(1))),"#
                    + #""mean_us":\#(formatted(stats.mean))}"#)
        }
    }
}

/// Benchmark 5: numbered, checksummed lines pushed one at a time, as OctoPrint streams a file.
enum Throughput {
    static func run(ports: [String], count: Int, block: Int) {
        guard !ports.isEmpty else { fail("throughput needs --port") }
        let clients = ports.map(PortClient.init(path:))
        for client in clients { client.exchange(numbered(0, "M110 N0")) }
        var nextLine = Array(repeating: 1, count: clients.count)
        var elapsed = Array(repeating: UInt64(0), count: clients.count)
        var sent = 0
        while sent < count {
            let size = min(block, count - sent)
            for which in clients.indices {
                let lines = (0..<size).map { numbered(nextLine[which] + $0, "G1 X1") }
                nextLine[which] += size
                let start = monotonicNanoseconds()
                for line in lines { clients[which].exchange(line) }
                elapsed[which] += monotonicNanoseconds() - start
            }
            sent += size
        }
        for (client, nanoseconds) in zip(clients, elapsed) {
            let seconds = Double(nanoseconds) / 1e9
            print(
                #"{"bench":"throughput","port":"\#(client.path)","lines":\#(count),"seconds":\#(formatted(seconds, digits: 3)),"#
                    + #""lines_per_second":\#(Int((Double(count) / seconds).rounded()))}"#)
        }
    }

    /// `N<n> <command>*<checksum>\n`, the checksum being the XOR of every byte before `*`.
    static func numbered(_ number: Int, _ command: String) -> [UInt8] {
        let body = Array("N\(number) \(command)".utf8)
        let checksum = body.reduce(UInt8(0), ^)
        return body + Array("*\(checksum)\n".utf8)
    }
}
