// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs the built bambu-serial (sim, run) as a child process and reads its output by line.

import Foundation
import NIOConcurrencyHelpers

/// A child process whose standard output and error are collected line by line.
///
/// Exists so end-to-end tests drive the real executable the way users and systemd do, and
/// wait for what it prints instead of sleeping.
package final class ChildProcess: Sendable {
    private let process: Process
    private let input: Pipe
    private let lines = LineStore()
    private let errorLines = LineStore()

    /// The built `bambu-serial` (`.build/debug`, or `$BAMBU_SERIAL_BINARY`).
    package static var binary: String {
        if let path = ProcessInfo.processInfo.environment["BAMBU_SERIAL_BINARY"], !path.isEmpty { return path }
        return Fixtures.repositoryRoot + "/.build/debug/bambu-serial"
    }

    /// Starts `executable arguments` (the built `bambu-serial` by default), with `environment` added to ours.
    package init(
        _ arguments: [String], executable: String = ChildProcess.binary, environment: [String: String] = [:]
    ) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "NOTIFY_SOCKET")
        merged.removeValue(forKey: "JOURNAL_STREAM")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        input = Pipe()
        process.standardInput = input
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        Self.collect(output.fileHandleForReading, into: lines)
        Self.collect(errors.fileHandleForReading, into: errorLines)
        try process.run()
        let mirror = OutputMirror(name: "\(arguments.first ?? "process")-\(process.processIdentifier)")
        lines.mirror = mirror
        errorLines.mirror = mirror
    }

    private static func collect(_ handle: FileHandle, into store: LineStore) {
        let buffer = LineBuffer()
        handle.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            store.append(buffer.split(data))
        }
    }

    /// The process id.
    package var pid: Int32 { process.processIdentifier }

    /// Lines printed on standard output so far.
    package var output: [String] { lines.all }

    /// Lines printed on standard error so far.
    package var errorOutput: [String] { errorLines.all }

    /// Writes a line to the process's standard input.
    package func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Waits until a line on standard output (or standard error when `errors`) satisfies `match`.
    @discardableResult
    package func waitForLine(
        timeout: Duration = .seconds(20), errors: Bool = false, _ match: @escaping @Sendable (String) -> Bool
    ) async -> String? {
        var found: String?
        let finished = await Wait.until(timeout: timeout) {
            (errors ? self.errorOutput : self.output).first(where: match) != nil
        }
        if finished { found = (errors ? errorOutput : output).first(where: match) }
        return found
    }

    /// Whether the process still runs.
    package var isRunning: Bool { process.isRunning }

    /// Sends a signal.
    package func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends SIGTERM and waits for the exit status (SIGKILL after `timeout`).
    @discardableResult
    package func terminate(timeout: Duration = .seconds(10)) async -> Int32 {
        if process.isRunning { process.terminate() }
        if await !Wait.until(timeout: timeout, { !self.process.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
            _ = await Wait.until(timeout: .seconds(5)) { !self.process.isRunning }
        }
        return process.isRunning ? -1 : process.terminationStatus
    }

    /// User plus system CPU time of the process, from /proc.
    package var cpuTime: Duration {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return .zero }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // Fields after the command name: state is #0, utime #11, stime #12 (clock ticks).
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return .zero }
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return .milliseconds((user + system) * 1000 / max(1, ticks))
    }
}

/// Splits a byte stream into lines across reads.
private final class LineBuffer: @unchecked Sendable {
    private var pending = Data()
    private let lock = NSLock()

    func split(_ data: Data) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        pending.append(data)
        var lines: [String] = []
        while let newline = pending.firstIndex(of: 0x0A) {
            lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }
}

/// Lines collected from one pipe.
private final class LineStore: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    private let mirrorBox = NIOLockedValueBox<OutputMirror?>(nil)
    var all: [String] { lines.withLockedValue { $0 } }
    var mirror: OutputMirror? {
        get { mirrorBox.withLockedValue { $0 } }
        set { mirrorBox.withLockedValue { $0 = newValue } }
    }
    func append(_ new: [String]) {
        guard !new.isEmpty else { return }
        lines.withLockedValue { $0.append(contentsOf: new) }
        mirror?.write(new)
    }
}

/// Copies a child's output to `$BAMBU_TEST_OUTPUT_DIR`, so `.ci/check-secrets.sh` can search the
/// output of the whole test run for the access codes it used.
package final class OutputMirror: Sendable {
    private let handle: NIOLockedValueBox<FileHandle?>

    init(name: String) {
        guard let directory = ProcessInfo.processInfo.environment["BAMBU_TEST_OUTPUT_DIR"], !directory.isEmpty else {
            handle = NIOLockedValueBox(nil)
            return
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/swift-\(name).log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        handle = NIOLockedValueBox(FileHandle(forWritingAtPath: path))
    }

    func write(_ lines: [String]) {
        handle.withLockedValue { $0?.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
    }

    /// Records the access codes a test's configuration uses.
    package static func recordCodes(_ codes: [String], name: String) {
        guard let directory = ProcessInfo.processInfo.environment["BAMBU_TEST_OUTPUT_DIR"], !directory.isEmpty,
            !codes.isEmpty
        else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? (codes.joined(separator: "\n") + "\n").write(
            toFile: directory + "/swift-\(name).codes", atomically: true, encoding: .utf8)
    }
}
