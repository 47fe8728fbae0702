// SPDX-License-Identifier: AGPL-3.0-or-later
// Wrong access code, wrong certificate, broker restart, an unreachable printer.

import BridgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(3))) struct FailureTests {
    /// Only the `[[printer]]` block of `name`, with `edit` applied, under the generated `[bridge]`.
    private func config(_ harness: SimulatorHarness, keep name: String, edit: (String) -> String = { $0 }) -> String {
        let blocks = harness.configText.components(separatedBy: "\n[[printer]]\n")
        let bridge = blocks[0]
        let printer = blocks.dropFirst().first { $0.contains("name = \"\(name)\"") } ?? ""
        return bridge + "\n[[printer]]\n" + edit(printer)
    }

    @Test func wrongAccessCodeIsAnErrorWithoutBusyLoop() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let path = try harness.writeConfig(
            config(harness, keep: "x1c") { block in
                block.replacingOccurrences(
                    of: #"access_code = "\d{8}""#, with: #"access_code = "99999999""#, options: .regularExpression)
            })
        let (daemon, _) = try await harness.startDaemon(config: path)
        let client = try SerialClient(path: harness.port("x1c"))
        try client.write("M400\n")
        let lines = await client.readLines(timeout: .seconds(5)) { $0.contains { $0.contains("x1c: error") } }
        #expect(
            lines.contains {
                $0.hasPrefix("//action:notification x1c: error (the printer refused the access code (MQTT CONNACK 5))")
            })
        // No busy loop: the daemon's CPU over 10 s stays under 2 %.
        let before = daemon.cpuTime
        try await Task.sleep(for: .seconds(10))
        let used = daemon.cpuTime - before
        #expect(used < .milliseconds(200), "daemon used \(used) of CPU in 10 s")
        #expect(daemon.errorOutput.contains { $0.contains("printer link state changed") && $0.contains("error") })
        #expect(!daemon.errorOutput.joined().contains("99999999"))
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    @Test func certificateNotNamingTheSerialIsAnError() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let path = try harness.writeConfig(
            config(harness, keep: "x1c") { $0.replacingOccurrences(of: "00M00A000000001", with: "00M00A000000099") })
        let (daemon, _) = try await harness.startDaemon(config: path)
        let client = try SerialClient(path: harness.port("x1c"))
        try client.write("M400\n")
        let lines = await client.readLines(timeout: .seconds(8)) { $0.contains { $0.contains("x1c: error") } }
        #expect(
            lines.contains {
                $0.contains("x1c: error (certificate names '00M00A000000001', not the printer serial '00M00A000000099')")
            })
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    /// Both printers use one shared TLS context (same CA file); each connection still checks its own serial.
    @Test func certificateCheckIsPerPrinterOnASharedTLSContext() async throws {
        let harness = try await SimulatorHarness(models: "x1c,p1s")
        let wrongSerial = harness.configText.replacingOccurrences(of: "00M00A000000001", with: "00M00A000000099")
        #expect(wrongSerial != harness.configText)
        let path = try harness.writeConfig(wrongSerial)
        let (daemon, _) = try await harness.startDaemon(config: path)
        let client = try SerialClient(path: harness.port("x1c"))
        let other = try SerialClient(path: harness.port("p1s"))
        try await other.waitForFirstReport()
        try client.write("M400\n")
        let lines = await client.readLines(timeout: .seconds(8)) { $0.contains { $0.contains("x1c: error") } }
        #expect(
            lines.contains {
                $0.contains("x1c: error (certificate names '00M00A000000001', not the printer serial '00M00A000000099')")
            }, "\(lines)")
        #expect(try await other.command("M105").last?.hasPrefix("ok T:") == true)
        #expect(!other.transcript.contains { $0.contains("p1s: error") })
        other.close()
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    /// CA mode trusts only the configured CA file's certificates (loaded from its bytes): a printer
    /// whose certificate another CA signed is refused before any credential is sent.
    @Test func certificateFromAnotherCAIsRefused() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let otherCA = harness.directory + "/other-ca.pem"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", harness.directory + "/other-ca.key", "-out", otherCA, "-subj", "/CN=Other CA", "-days", "2",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let path = try harness.writeConfig(
            config(harness, keep: "x1c") { block in
                block.replacingOccurrences(
                    of: #"ca_file = "[^"]*""#, with: "ca_file = \"\(otherCA)\"", options: .regularExpression)
            })
        let (daemon, _) = try await harness.startDaemon(config: path)
        let client = try SerialClient(path: harness.port("x1c"))
        try client.write("M400\n")
        let lines = await client.readLines(timeout: .seconds(8)) { $0.contains { $0.contains("x1c: error") } }
        #expect(
            lines.contains { $0.contains("x1c: error (certificate is not signed by the configured CA (") }, "\(lines)")
        #expect(harness.requests(for: "x1c").isEmpty)
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    /// A CA file that exists but cannot be loaded (here: not PEM) is a clear message, not a client
    /// that gave up: it is read again on each attempt, and once fixed the printer connects without a reload.
    @Test func caFileThatCannotBeLoadedIsRetriedUntilFixed() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let caFile = harness.directory + "/broken-ca.pem"
        try "not a certificate\n".write(toFile: caFile, atomically: true, encoding: .utf8)
        var goodCA = ""
        let path = try harness.writeConfig(
            config(harness, keep: "x1c") { block in
                if let range = block.range(of: #"ca_file = "[^"]*""#, options: .regularExpression) {
                    goodCA = String(block[range].dropFirst("ca_file = \"".count).dropLast())
                }
                return block.replacingOccurrences(
                    of: #"ca_file = "[^"]*""#, with: "ca_file = \"\(caFile)\"", options: .regularExpression)
            })
        try #require(!goodCA.isEmpty, "the simulator's configuration names a CA file")
        let (daemon, _) = try await harness.startDaemon(config: path)
        let client = try SerialClient(path: harness.port("x1c"))
        try client.write("M400\n")
        let lines = await client.readLines(timeout: .seconds(8)) { $0.contains { $0.contains("cannot load CA file") } }
        #expect(lines.contains { $0.contains("x1c:") && $0.contains("cannot load CA file \(caFile)") }, "\(lines)")
        #expect(harness.requests(for: "x1c").isEmpty)

        try FileManager.default.removeItem(atPath: caFile)
        try FileManager.default.copyItem(atPath: goodCA, toPath: caFile)
        #expect(
            await Wait.until(timeout: .seconds(40)) { !harness.requests(for: "x1c").isEmpty },
            "no request after the CA file was fixed: \(daemon.errorOutput.suffix(10))")
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    @Test func brokerRestartReconnectsOnTheSamePort() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let (daemon, _) = try await harness.startDaemon()
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        let pid = try #require(
            Int32(
                (try String(contentsOfFile: harness.directory + "/mosquitto.pid", encoding: .utf8))
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGKILL)
        let lost = await client.readLines(timeout: .seconds(30)) { $0.contains { $0.contains("x1c: reconnecting") } }
        #expect(lost.contains { $0.hasPrefix("//action:notification x1c: reconnecting (") })
        harness.simulator.send("broker start")
        let restarted = ContinuousClock.now
        let back = await client.readLines(timeout: .seconds(30)) { $0.contains("//action:notification x1c: connected") }
        #expect(back.contains("//action:notification x1c: connected"))
        #expect(ContinuousClock.now - restarted < .seconds(5))
        // Same port, same open file: the host keeps talking.
        #expect(try await client.command("M105").last?.hasPrefix("ok T:") == true)
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    @Test func unreachablePrinterDoesNotTouchTheOther() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let closedPort = try ClosedPort.find()
        let ghost = """

            [[printer]]
            name = "ghost"
            host = "127.0.0.1"
            serial = "01P00A000000777"
            access_code = "12345678"
            mqtt_port = \(closedPort)
            tls = "insecure"
            """
        let path = try harness.writeConfig(harness.configText + ghost)
        let (daemon, _) = try await harness.startDaemon(config: path)
        let client = try SerialClient(path: harness.port("x1c"))
        var reply = ""
        for _ in 0..<100 {
            reply = try await client.command("M105").last ?? ""
            if !reply.contains("T:0.0 /0.0") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!reply.contains("T:0.0 /0.0"))
        #expect(try await client.command("M104 S200") == ["ok"])
        #expect(
            await harness.waitForRequest(
                "x1c", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M104 S200\n"}}"#))
        let other = try SerialClient(path: harness.port("ghost"))
        let refused = try await other.command("M104 S200")
        #expect(refused.first?.hasPrefix("echo:ghost is not connected to the printer (") == true)
        other.close()
        client.close()
        await daemon.terminate()
        await harness.stop()
    }
}

/// A loopback port nothing listens on.
enum ClosedPort {
    static func find() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct TrustAndLockTests {
    @Test func pinnedModeRemembersTheCertificateAndRefusesAChangedOne() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let pinned = harness.configText
            .replacingOccurrences(of: #"tls = "ca""#, with: #"tls = "pinned""#)
            .replacingOccurrences(of: #"ca_file = "[^"]*"\n"#, with: "", options: .regularExpression)
        let path = try harness.writeConfig(pinned)
        let pinFile = harness.directory + "/state/tls/00M00A000000001.sha256"

        let (first, _) = try await harness.startDaemon(config: path)
        #expect(await Wait.until(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: pinFile) })
        let stored = try String(contentsOfFile: pinFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(stored.count == 64)
        await first.terminate()

        // Another certificate at the printer's address: a pin that does not match it.
        try (String(repeating: "ab", count: 32) + "\n").write(toFile: pinFile, atomically: true, encoding: .utf8)
        let (second, _) = try await harness.startDaemon(config: path)
        let client = try SerialClient(path: harness.port("x1c"))
        try client.write("M400\n")
        let lines = await client.readLines(timeout: .seconds(8)) { $0.contains { $0.contains("x1c: error") } }
        #expect(
            lines.contains {
                $0.hasPrefix("//action:notification x1c: error (certificate changed: SHA-256 \(stored), pinned abab")
                    && $0.contains(pinFile)
            }, "\(lines) \(second.errorOutput.suffix(10))")
        client.close()
        await second.terminate()
        await harness.stop()
    }

    @Test func printerRequiringSignedCommandsIsReportedAndRefused() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let (daemon, _) = try await harness.startDaemon()
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        harness.simulator.send("lock x1c")
        let notice = await client.readLines(timeout: .seconds(30)) { $0.contains { $0.contains("requires signed commands") } }
        #expect(notice.contains { $0.hasPrefix("//action:notification x1c: the printer requires signed commands") })
        let refused = try await client.command("M104 S200")
        #expect(refused.first?.hasPrefix("echo:x1c refuses unsigned commands: enable LAN-only mode and Developer Mode") == true)
        #expect(daemon.errorOutput.contains { $0.contains("printer requires signed commands") })
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    @Test func watchdogIsPettedWhileSessionsAnswer() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let notify = try NotifySocket(directory: harness.directory)
        let daemon = try ChildProcess(
            ["run", "--config", harness.configPath],
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        #expect(
            await Wait.until(timeout: .seconds(10)) { notify.received.filter { $0.contains("WATCHDOG=1") }.count >= 3 })
        #expect(await daemon.terminate() == 0)
        #expect(notify.received.contains { $0.contains("STOPPING=1") })
        await harness.stop()
    }
}
