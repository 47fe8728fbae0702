// SPDX-License-Identifier: AGPL-3.0-or-later
// Reload with a host attached, status for connected, erroring and disabled printers, check.

import BridgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(3))) struct ServiceTests {
    @Test func reloadKeepsUnchangedPortsAndAppliesChanges() async throws {
        let harness = try await SimulatorHarness(models: "x1c,p1s")
        let original = harness.configText
        let path = try harness.writeConfig(original)
        let notify = try NotifySocket(directory: harness.directory)
        let daemon = try ChildProcess(
            ["run", "--config", path, "--status-socket", harness.directory + "/status.sock", "--log-level", "trace"],
            environment: ["NOTIFY_SOCKET": notify.path])
        #expect(await Wait.until(timeout: .seconds(20)) { notify.received.contains { $0.contains("READY=1") } })
        let x1cTarget = try FileManager.default.destinationOfSymbolicLink(atPath: harness.port("x1c"))
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        let autoreport = try await client.command("M155 S1")
        #expect(autoreport == ["ok"])

        // An invalid file is refused; everything keeps running.
        _ = try harness.writeConfig(original + "\n[[printer]]\nname = \"broken\"\n")
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLine(timeout: .seconds(10), errors: true) { $0.contains("configuration not reloaded") } != nil)
        #expect(daemon.errorOutput.contains { $0.contains("reload refused") && $0.contains("missing required key 'host'") })

        // Remove p1s, add p1s-b, keep x1c.
        _ = try harness.writeConfig(original.replacingOccurrences(of: "name = \"p1s\"", with: "name = \"p1s-b\""))
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLine(timeout: .seconds(10), errors: true) { $0.contains("configuration reloaded") } != nil)
        #expect(await Wait.until(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: harness.port("p1s-b")) })
        #expect(!FileManager.default.fileExists(atPath: harness.port("p1s")))
        #expect(notify.received.contains { $0.contains("RELOADING=1") })
        // x1c's host noticed nothing: same pty, autoreports keep coming, commands work.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: harness.port("x1c")) == x1cTarget)
        let reports = await client.readLines(timeout: .seconds(3)) { $0.filter { $0.hasPrefix("T:") }.count >= 2 }
        #expect(reports.filter { $0.hasPrefix("T:") }.count >= 2)
        #expect(!reports.contains { $0.hasPrefix("//action:notification x1c:") })
        #expect(try await client.command("M105").last?.hasPrefix("ok T:") == true)

        // A changed access code for x1c: it reconnects on the same pty (and, wrong, ends in error).
        let wrong = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: #"(name = "x1c"[^\[]*access_code = ")\d{8}"#, with: "$113572468", options: .regularExpression)
        _ = try harness.writeConfig(wrong)
        daemon.signal(SIGHUP)
        let lines = await client.readLines(timeout: .seconds(30)) { $0.contains { $0.contains("x1c: error") } }
        #expect(lines.contains { $0.hasPrefix("//action:notification x1c: error (the printer refused the access code") })
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: harness.port("x1c")) == x1cTarget)
        #expect(try await client.command("M400") == ["ok"])

        // Access codes never reach the log, even at debug level.
        let codes = Self.accessCodes(in: original) + ["13572468"]
        #expect(!codes.isEmpty)
        for code in codes {
            #expect(!(daemon.errorOutput + daemon.output).joined(separator: "\n").contains(code), "access code \(code) logged")
            #expect(!client.transcript.joined(separator: "\n").contains(code))
        }
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    /// The access codes a configuration text holds.
    static func accessCodes(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("access_code = \"") else { return nil }
            return line.split(separator: "\"").dropFirst().first.map(String.init)
        }
    }

    @Test func statusShowsConnectedErroringAndDisabledPrinters() async throws {
        let harness = try await SimulatorHarness(models: "x1c,p1s")
        var text = harness.configText
        text = text.replacingOccurrences(
            of: #"(name = "p1s"[^\[]*access_code = ")\d{8}"#, with: "$124681357", options: .regularExpression)
        text += """

            [[printer]]
            name = "spare"
            host = "127.0.0.1"
            serial = "03900A000000009"
            access_code = "12345678"
            enabled = false
            """
        let path = try harness.writeConfig(text)
        let daemon = try ChildProcess(["run", "--config", path, "--status-socket", harness.directory + "/status.sock"])
        var json = ""
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let process = try ChildProcess(["status", "--socket", harness.directory + "/status.sock", "--json"])
            _ = await Wait.until(timeout: .seconds(5)) { !process.isRunning }
            json = process.output.joined()
            if json.contains(#""state":"connected""#), json.contains(#""state":"error""#) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(json.contains(#""state":"connected""#) && json.contains(#""state":"error""#), "\(json)")
        #expect(json.contains(#""name":"spare","model":"a1","serial":"03900A000000009","enabled":false,"state":"disabled""#))
        let table = try ChildProcess(["status", "--socket", harness.directory + "/status.sock"])
        _ = await Wait.until(timeout: .seconds(10)) { !table.isRunning }
        #expect(table.output.first?.hasPrefix("PRINTER") == true)
        #expect(table.output.contains { $0.hasPrefix("x1c ") && $0.contains("connected") })
        #expect(table.output.contains { $0.hasPrefix("p1s ") && $0.contains("error (the printer refused the access code") })
        #expect(table.output.contains { $0.hasPrefix("spare ") && $0.contains("disabled") })
        #expect(!(json + table.output.joined()).contains("12345678"))

        let check = try ChildProcess(["check", "--config", path, "p1s"])
        _ = await Wait.until(timeout: .seconds(30)) { !check.isRunning }
        #expect(check.output.contains("  MQTT  FAILED: the printer refused the access code (MQTT CONNACK 5)"))
        #expect(check.output.contains("  FTPS  FAILED: the printer refused the access code (FTP 530)"))
        let good = try ChildProcess(["check", "--config", path, "x1c"])
        _ = await Wait.until(timeout: .seconds(30)) { !good.isRunning }
        #expect(good.output.contains { $0.hasPrefix("  MQTT  ok: logged in") })
        #expect(good.output.contains { $0.hasPrefix("  FTPS  ok: logged in") })
        await daemon.terminate()
        await harness.stop()
    }
}
