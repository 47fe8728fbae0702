// SPDX-License-Identifier: AGPL-3.0-or-later
// A wrong access code at a printer's camera: a 503 with the reason, /status and the log say so, the code stays secret.

import BambuModel
import BridgeTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

@Suite(.timeLimit(.minutes(2))) struct CameraAccessCodeTests {
    /// The daemon is configured with a wrong access code for one printer (MQTT fails for it too):
    /// its snapshot answers 503 naming the access code, `/status` shows its camera failed for that
    /// reason, the log says it, and neither the log nor any answer contains the code itself.
    @Test(arguments: ["x1c", "p1s"])
    func wrongAccessCodeShowsInStatusAndLog(_ printer: String) async throws {
        let harness = try await SimulatorHarness(models: "x1c,p1s", arguments: ["--camera-fps", "10"])
        defer { Task { await harness.stop() } }
        let port = try HTTPStatusTests.freePort()
        let (config, wrongCode) = try Self.withWrongAccessCode(for: printer, in: HTTPStatusTests.listening(on: port, harness.configText))
        let path = try harness.writeConfig(config)
        let (daemon, _) = try await harness.startDaemon(config: path)
        defer { Task { await daemon.terminate() } }
        #expect(
            await daemon.waitForLine(errors: true) { $0.contains("http endpoint listening") && $0.contains("127.0.0.1:\(port)") }
                != nil)

        // A cold snapshot: 503 with the reason (the P1S needs a few silent logins before it is sure).
        let snapshot = try HTTPStatusTests.get(port: port, "/\(printer)/snapshot")
        let answer = String(decoding: snapshot.body, as: UTF8.self)
        #expect(snapshot.status == 503, "\(answer)")
        #expect(answer.contains("access code"), "\(answer)")
        #expect(!answer.contains(wrongCode))

        // /status: the camera failed, for the access code (the P1S gives up after its third refused login).
        let camera = NIOLockedValueBox<JSONValue?>(nil)
        let failed = await Wait.until(timeout: .seconds(20)) {
            guard let (status, body) = try? HTTPStatusTests.get(port: port, "/status"), status == 200,
                let document = try? JSONValue(parsing: body),
                let entry = document["printers"]?.arrayValue?.first(where: { $0["name"]?.stringValue == printer })
            else { return false }
            camera.withLockedValue { $0 = entry["camera"] }
            return entry["camera"]?["state"]?.stringValue == "failed"
                && entry["camera"]?["reason"]?.stringValue?.contains("access code is wrong") == true
                    || entry["camera"]?["reason"]?.stringValue?.contains("refused the access code") == true
        }
        #expect(failed, "camera: \(camera.withLockedValue { $0?.serialized } ?? "none")")
        let statusBody = try HTTPStatusTests.get(port: port, "/status").body
        #expect(!String(decoding: statusBody, as: UTF8.self).contains(wrongCode))

        // The log names the printer's camera failure and its reason (the hub's own line, whoever
        // asked: a snapshot or a stream), never the code.
        let logged = await Wait.until(timeout: .seconds(10)) {
            daemon.errorOutput.contains {
                $0.contains("camera failed") && $0.contains("printer.name=\(printer)") && $0.contains("camera.retrying=no")
                    && $0.contains("access code")
            }
        }
        #expect(logged, "\(daemon.errorOutput.filter { $0.contains("camera") })")
        #expect(!daemon.errorOutput.contains { $0.contains(wrongCode) })
        #expect(!daemon.output.contains { $0.contains(wrongCode) })
    }

    /// The configuration with `printer`'s access code replaced by another eight digits, and that code.
    static func withWrongAccessCode(for printer: String, in config: String) throws -> (String, String) {
        var lines = config.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "name = \"\(printer)\""),
            let index = lines[start...].firstIndex(where: { $0.hasPrefix("access_code = \"") })
        else { throw HarnessError("no access_code for \(printer) in the configuration") }
        let right = lines[index].split(separator: "\"").dropFirst().first.map(String.init) ?? ""
        // Every digit moved by five: never the right code, and never one of its substrings.
        let wrong = String(right.map { character -> Character in
            guard let digit = character.wholeNumberValue else { return "7" }
            return Character(String((digit + 5) % 10))
        })
        lines[index] = "access_code = \"\(wrong)\""
        return (lines.joined(separator: "\n"), wrong)
    }
}
