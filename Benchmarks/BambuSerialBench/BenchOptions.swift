// SPDX-License-Identifier: AGPL-3.0-or-later
// `--name value` options for the bench tool, without a parser dependency.

#if canImport(Glibc)
import Glibc
#endif

/// The `--name value` pairs of a command line, repeated names kept in order.
///
/// Exists so the bench tool stays a few small files with no dependency beyond the project's own modules.
struct BenchOptions {
    private var values: [(String, String)] = []

    init(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), index + 1 < arguments.count else {
                fail("unexpected argument \(argument)")
            }
            values.append((String(argument.dropFirst(2)), arguments[index + 1]))
            index += 2
        }
    }

    func strings(_ name: String) -> [String] { values.filter { $0.0 == name }.map(\.1) }
    func string(_ name: String) -> String? { strings(name).last }
    func int(_ name: String) -> Int? { string(name).flatMap { Int($0) } }
    func double(_ name: String) -> Double? { string(name).flatMap { Double($0) } }
}

/// Prints a message to standard error and exits with status 1.
func fail(_ message: String) -> Never {
    let text = Array("bambu-serial-bench: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

/// Monotonic time in nanoseconds.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// CPU time of the calling thread in nanoseconds (unaffected by time spent preempted).
@inline(__always)
func threadCPUNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Percentiles of a sample, nearest-rank.
struct Percentiles {
    let sorted: [Double]
    init(_ samples: [Double]) { sorted = samples.sorted() }
    func at(_ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
    var mean: Double { sorted.isEmpty ? .nan : sorted.reduce(0, +) / Double(sorted.count) }
}

/// A number with one decimal for the JSON lines.
func formatted(_ value: Double, digits: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return "\(rounded)"
}
