// SPDX-License-Identifier: AGPL-3.0-or-later
// tls = "pinned": the camera connection stores the certificate pin it learns, and the next start holds to it.

import BridgeTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct CameraPinTests {
    /// The printer is pinned with no pin stored and its MQTT port closed, so only the camera can
    /// learn the certificate: a snapshot stores its SHA-256 in `state_dir/tls/<serial>.sha256`; after
    /// a restart of the daemon, a new printer certificate is refused as changed (the stored pin was reused).
    @Test(arguments: ["x1c", "p1s"])
    func cameraStoresTheLearnedPinAndTheNextStartUsesIt(_ printer: String) async throws {
        let harness = try await SimulatorHarness(models: "x1c,p1s", arguments: ["--camera-fps", "10"])
        defer { Task { await harness.stop() } }
        let port = try HTTPStatusTests.freePort()
        let (config, serial) = try Self.pinnedWithoutMQTT(printer, in: HTTPStatusTests.listening(on: port, harness.configText))
        let path = try harness.writeConfig(config)
        let pinFile = harness.directory + "/state/tls/\(serial).sha256"
        #expect(!FileManager.default.fileExists(atPath: pinFile))

        let (daemon, _) = try await harness.startDaemon(config: path)
        #expect(
            await daemon.waitForLine(errors: true) { $0.contains("http endpoint listening") && $0.contains("127.0.0.1:\(port)") }
                != nil)
        let snapshot = try HTTPStatusTests.get(port: port, "/\(printer)/snapshot")
        #expect(snapshot.status == 200, "\(String(decoding: snapshot.body.prefix(300), as: UTF8.self))")
        let expected = try Self.fingerprint(ofCertificate: harness.directory + "/tls/\(serial).pem")
        let stored = await Wait.until(timeout: .seconds(10)) { Self.read(pinFile) == expected }
        #expect(stored, "pin file: \(Self.read(pinFile) ?? "missing"), certificate: \(expected)")
        #expect(daemon.errorOutput.contains { $0.contains("pinned the printer's certificate") && $0.contains("tls.learned_by=camera") })
        #expect(await daemon.terminate() == 0)

        // Another certificate at the printer: the restarted daemon holds the camera to the stored pin.
        let beforeRecert = harness.simulator.output.count
        harness.simulator.send("recert \(printer)")
        #expect(
            await Wait.until(timeout: .seconds(20)) {
                harness.simulator.output.dropFirst(beforeRecert).contains("ok recert \(printer)")
            })
        let beforeRestart = harness.simulator.output.count
        harness.simulator.send("camera restart")
        #expect(
            await Wait.until(timeout: .seconds(20)) {
                harness.simulator.output.dropFirst(beforeRestart).contains("ok camera started")
            })
        #expect(try Self.fingerprint(ofCertificate: harness.directory + "/tls/\(serial).pem") != expected)

        let (restarted, _) = try await harness.startDaemon(config: path)
        defer { Task { await restarted.terminate() } }
        #expect(
            await restarted.waitForLine(errors: true) { $0.contains("http endpoint listening") && $0.contains("127.0.0.1:\(port)") }
                != nil)
        let refused = try HTTPStatusTests.get(port: port, "/\(printer)/snapshot")
        let answer = String(decoding: refused.body, as: UTF8.self)
        #expect(refused.status == 503, "\(answer)")
        #expect(answer.contains("certificate changed") && answer.contains("pinned \(expected)"), "\(answer)")
        #expect(Self.read(pinFile) == expected, "the pin file is kept")
    }

    /// The configuration with `printer` switched to `tls = "pinned"` (no CA file) and its MQTT port
    /// pointed at a closed port, and the printer's serial.
    static func pinnedWithoutMQTT(_ printer: String, in config: String) throws -> (String, String) {
        var lines = config.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "name = \"\(printer)\"") else { throw HarnessError("no printer \(printer)") }
        let end = lines[start...].firstIndex(where: { $0 == "[[printer]]" }) ?? lines.count
        var serial = ""
        let closedPort = try HTTPStatusTests.freePort()
        for index in start..<end {
            if lines[index].hasPrefix("serial = \"") { serial = lines[index].split(separator: "\"").dropFirst().first.map(String.init) ?? "" }
            if lines[index].hasPrefix("tls = ") { lines[index] = "tls = \"pinned\"" }
            if lines[index].hasPrefix("ca_file = ") { lines[index] = "" }
            if lines[index].hasPrefix("mqtt_port = ") { lines[index] = "mqtt_port = \(closedPort)" }
        }
        guard !serial.isEmpty else { throw HarnessError("no serial for \(printer)") }
        return (lines.joined(separator: "\n"), serial)
    }

    /// SHA-256 of a PEM certificate's DER form, as 64 lower-case hex digits (by the openssl tool).
    static func fingerprint(ofCertificate path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["x509", "-in", path, "-noout", "-fingerprint", "-sha256"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let equals = text.firstIndex(of: "=") else { throw HarnessError("openssl: \(text)") }
        return text[text.index(after: equals)...].filter { $0.isHexDigit }.lowercased()
    }

    static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
