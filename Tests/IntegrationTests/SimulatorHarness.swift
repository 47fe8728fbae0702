// SPDX-License-Identifier: AGPL-3.0-or-later
// Starts `bambu-serial sim` and `bambu-serial run` for a test and cleans up after it.

import BridgeTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The simulator and the daemon, both real processes, talking over a real mosquitto with TLS.
final class SimulatorHarness: Sendable {
    let directory: String
    let simulator: ChildProcess
    let configPath: String

    /// Starts the simulator with `models` and waits for its `ready` line; `wrapper` runs it through
    /// another command (`ip netns exec <name>`), `arguments` are added to `sim`'s. The RTSPS cameras
    /// run at 5 fps: a 720p H.264 encoder per viewed camera in every parallel suite starved the
    /// 2-core CI machine at 15 fps (other suites' timing checks failed), and no test needs more.
    init(models: String = "x1c,h2d", speed: Int = 1, wrapper: [String] = [], arguments: [String] = []) async throws {
        directory = try Self.makeDirectory()
        let sim = ["sim", "--models", models, "--dir", directory, "--speed", "\(speed)", "--rtsps-fps", "5", "--exit-with-parent"]
            + arguments
        if let executable = wrapper.first {
            simulator = try ChildProcess(Array(wrapper.dropFirst()) + [ChildProcess.binary] + sim, executable: executable)
        } else {
            simulator = try ChildProcess(sim)
        }
        // Generous: on the 2-core CI machine, with every suite starting simulators at once, the
        // broker, the FTPS server and the camera server (Python with GStreamer) start slowly.
        guard await simulator.waitForLine(timeout: .seconds(60), { $0.hasPrefix("ready ") }) != nil else {
            let log = (try? String(contentsOfFile: directory + "/mosquitto.log", encoding: .utf8)) ?? "(no log)"
            throw HarnessError(
                "simulator not ready: \(simulator.output) \(simulator.errorOutput); its log ends: \(log.suffix(3000))")
        }
        configPath = directory + "/bambu-serial.toml"
        Self.recordCodes(in: configText, name: (directory as NSString).lastPathComponent)
    }

    /// Tells the whole-run secret check which access codes this test uses.
    static func recordCodes(in text: String, name: String) {
        let codes = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("access_code = \"") else { return nil }
            return line.split(separator: "\"").dropFirst().first.map(String.init)
        }
        OutputMirror.recordCodes(codes, name: name)
    }

    /// The generated configuration text.
    var configText: String { (try? String(contentsOfFile: configPath, encoding: .utf8)) ?? "" }

    /// Writes a configuration (mode 0600) and returns its path.
    func writeConfig(_ text: String, name: String = "test.toml") throws -> String {
        let path = directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        Self.recordCodes(in: text, name: (directory as NSString).lastPathComponent + "-" + name)
        return path
    }

    /// Starts the daemon on `config` with a notify socket; waits for READY=1.
    /// `shellPrefix`, when given, is bash run before the daemon is exec'd (to set up descriptors, limits…).
    func startDaemon(config: String? = nil, shellPrefix: String? = nil) async throws -> (ChildProcess, NotifySocket) {
        let notify = try NotifySocket(directory: directory)
        let arguments = ["run", "--config", config ?? configPath, "--log-level", "debug"]
        let daemon =
            if let shellPrefix {
                try ChildProcess(
                    ["-c", shellPrefix + #" exec "$0" "$@""#, ChildProcess.binary] + arguments, executable: "/bin/bash",
                    environment: ["NOTIFY_SOCKET": notify.path])
            } else {
                try ChildProcess(arguments, environment: ["NOTIFY_SOCKET": notify.path])
            }
        guard await Wait.until(timeout: .seconds(20), { notify.received.contains { $0.contains("READY=1") } }) else {
            throw HarnessError("daemon not ready: \(daemon.errorOutput.suffix(20))")
        }
        return (daemon, notify)
    }

    /// The path of a printer's port.
    func port(_ name: String) -> String { directory + "/dev/" + name }

    /// Requests the simulator printed for a printer, as JSON text.
    func requests(for name: String) -> [String] {
        simulator.output.compactMap { line in
            let prefix = "request \(name) "
            return line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : nil
        }
    }

    /// Waits until the simulator received `payload` for `name`.
    func waitForRequest(_ name: String, _ payload: String, timeout: Duration = .seconds(10)) async -> Bool {
        await Wait.until(timeout: timeout) { self.requests(for: name).contains(payload) }
    }

    /// Sends a console command until the simulator reports `state` for the printer afterwards
    /// (a pause is refused while the printer still prepares, as on a real printer).
    @discardableResult
    func console(_ command: String, until state: String, timeout: Duration = .seconds(15)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let words = command.split(separator: " ")
        let expected = "ok \(words[0]) \(words.count > 1 ? String(words[1]) : "") \(state)"
        while clock.now < deadline {
            let seen = simulator.output.count
            simulator.send(command)
            _ = await Wait.until(timeout: .seconds(2)) { self.simulator.output.count > seen }
            if simulator.output.dropFirst(seen).contains(expected) { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    /// Stops the simulator and removes the directory.
    func stop() async {
        await simulator.terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func makeDirectory() throws -> String {
        var template = Array("/tmp/bambu-it-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
        return String(cString: result)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension SerialClient {
    /// Polls M105 until the printer's first report arrived (temperatures no longer all zero).
    func waitForFirstReport() async throws {
        for _ in 0..<100 {
            if (try await command("M105").last ?? "").contains("T:0.0 /0.0") == false { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Sends a line and returns the reply lines up to and including the `ok`, without the
    /// `//` notices that may arrive in between (link state changes).
    func command(_ line: String, timeout: Duration = .seconds(5)) async throws -> [String] {
        try write(line + "\n")
        let lines = await readReply(timeout: timeout)
        return lines.filter { !$0.hasPrefix("//") }
    }

    /// Like `command`, but keeps the `// ` status lines our own codes answer with; only the
    /// `//action:` notices are dropped.
    func query(_ line: String, timeout: Duration = .seconds(5)) async throws -> [String] {
        try write(line + "\n")
        let lines = await readReply(timeout: timeout)
        return lines.filter { !$0.hasPrefix("//action:") }
    }
}
