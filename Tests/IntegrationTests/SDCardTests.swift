// SPDX-License-Identifier: AGPL-3.0-or-later
// serial-host.md §18 checks 8–14 through a real pty against the simulator (MQTT/TLS and FTPS).

import BridgeCore
import BridgeTestSupport
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct SDCardTests {
    private let benchy = SDCatalog.alias(for: "/Benchy.gcode.3mf")
    private let cube = SDCatalog.alias(for: "/Calibration Cube.gcode.3mf")
    private let stand = SDCatalog.alias(for: "/cache/Phone stand.gcode.3mf")

    private func size(_ harness: SimulatorHarness, _ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: harness.directory + "/storage/x1c" + path)
        return (attributes[.size] as? Int) ?? -1
    }

    /// Sim + daemon + a host that has the file list.
    private func start() async throws -> (SimulatorHarness, ChildProcess, SerialClient) {
        let harness = try await SimulatorHarness(models: "x1c")
        let (daemon, _) = try await harness.startDaemon()
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        #expect(try await client.command("M21") == ["SD card ok", "ok"])
        // The transcript: the notice may have come right after M21's `ok`, read along with the reply.
        let updated = await client.readLines(timeout: .seconds(30)) { _ in client.transcript.contains("//action:sd_updated") }
        #expect(
            client.transcript.contains("//action:sd_updated"),
            "no //action:sd_updated within 30 s of M21; lines: \(updated); daemon: \(daemon.errorOutput.filter { $0.contains("storage") || $0.contains("ftps") }.suffix(5))")
        return (harness, daemon, client)
    }

    @Test func checks8And9ListingAndSelection() async throws {
        let (harness, daemon, client) = try await start()
        let benchySize = try size(harness, "/Benchy.gcode.3mf")
        let cubeSize = try size(harness, "/Calibration Cube.gcode.3mf")
        let standSize = try size(harness, "/cache/Phone stand.gcode.3mf")
        #expect(
            try await client.command("M20") == [
                "Begin file list", "\(benchy) \(benchySize)", "\(cube) \(cubeSize)", "\(stand) \(standSize)",
                "End file list", "ok",
            ])
        #expect(
            try await client.command("M20 L") == [
                "Begin file list", "\(benchy) \(benchySize) \"Benchy.gcode.3mf\"",
                "\(cube) \(cubeSize) \"Calibration Cube.gcode.3mf\"", "\(stand) \(standSize) \"cache/Phone stand.gcode.3mf\"",
                "End file list", "ok",
            ])
        let timed = try await client.command("M20 L T")
        #expect(timed.count == 6)
        for line in timed.dropFirst().dropLast(2) {
            let fields = line.split(separator: " ", maxSplits: 3)
            #expect(fields.count == 4 && fields[2].hasPrefix("0x") && fields[2].count == 10, "\(line)")
            #expect(fields[0].range(of: #"^[\x21-\x7e]+\.(gcode|gco|g)$"#, options: [.regularExpression, .caseInsensitive]) != nil)
        }
        for name in ["/\(benchy)", "/\(benchy.lowercased())", benchy, "/Benchy.gcode.3mf"] {
            #expect(
                try await client.command("M23 \(name)") == [
                    "File opened: \(benchy) Size: \(benchySize)", "File selected", "ok",
                ])
        }
        #expect(try await client.command("M23 /NOPE.GCO") == ["open failed, File: /NOPE.GCO.", "ok"])
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    @Test func checks10And11StartThenCancel() async throws {
        let (harness, daemon, client) = try await start()
        let benchySize = try size(harness, "/Benchy.gcode.3mf")
        _ = try await client.command("M23 /\(benchy)")
        #expect(try await client.command("M24") == ["ok"])
        #expect(await Wait.until(timeout: .seconds(5)) { harness.requests(for: "x1c").contains { $0.contains("\"project_file\"") } })
        for _ in 0..<3 {
            let status = try await client.command("M27")
            #expect(status.first?.hasPrefix("SD printing byte ") == true && status.first?.hasSuffix("/\(benchySize)") == true)
        }
        let before = harness.requests(for: "x1c").count
        try client.write("M108\nM25\nM27\nM26 S0\n")
        let lines = await client.readLines(timeout: .seconds(5)) { $0.filter { $0 == "ok" }.count >= 4 }
        let replies = lines.filter { !$0.hasPrefix("//") }
        #expect(
            replies.count == 5 && replies[2].hasPrefix("SD printing byte ") && replies.filter { $0 == "ok" }.count == 4,
            "\(lines)")
        #expect(await Wait.until(timeout: .seconds(5)) { harness.requests(for: "x1c").count > before })
        try await Task.sleep(for: .seconds(1))  // a pause would have been published by now
        let after = Array(harness.requests(for: "x1c").dropFirst(before))
        #expect(after.count == 1 && after[0].contains(#""command":"stop""#), "\(after)")
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    @Test func checks12And13PrinterSideEvents() async throws {
        let (harness, daemon, client) = try await start()
        let benchySize = try size(harness, "/Benchy.gcode.3mf")
        // 13: a job started on the printer while the host is idle is announced once.
        harness.simulator.send("start x1c Benchy.gcode.3mf 50 600")
        let adopted = await client.readLines(timeout: .seconds(30)) { $0.contains { $0.hasPrefix("SD printing byte") } }
        #expect(Array(adopted.filter { !$0.hasPrefix("//") }.prefix(2)) == ["File opened: /\(benchy) Size: \(benchySize)", "File selected"])
        let position = adopted.first { $0.hasPrefix("SD printing byte") }
        #expect(position.map { !$0.hasPrefix("SD printing byte 0/") } == true)
        // 12: pause, resume and stop on the printer.
        #expect(await harness.console("pause x1c", until: "PAUSE"))
        let paused = await client.readLines(timeout: .seconds(30)) { $0.contains("//action:paused") }
        #expect(paused.contains("//action:paused"))
        #expect(await harness.console("resume x1c", until: "RUNNING"))
        let resumed = await client.readLines(timeout: .seconds(30)) { $0.contains("//action:resumed") }
        #expect(resumed.contains("//action:resumed"))
        harness.simulator.send("stop x1c")
        let stopped = await client.readLines(timeout: .seconds(30)) {
            $0.contains { $0.contains("Print stopped on printer") }
        }
        #expect(stopped.contains { $0.hasPrefix("//action:notification x1c: Print stopped on printer: ") })
        for _ in 0..<3 { #expect(try await client.command("M27") == ["Not SD printing", "ok"]) }
        // 12: a finished job.
        _ = try await client.command("M23 \(benchy)")
        let starts = harness.requests(for: "x1c").filter { $0.contains("\"project_file\"") }.count
        _ = try await client.command("M24")
        #expect(
            await Wait.until(timeout: .seconds(10)) {
                harness.requests(for: "x1c").filter { $0.contains("\"project_file\"") }.count > starts
            })
        #expect(await harness.console("finish x1c", until: "FINISH"))
        let done = await client.readLines(timeout: .seconds(30)) { $0.contains("Done printing file") }
        #expect(done.suffix(2) == ["SD printing byte \(benchySize)/\(benchySize)", "Done printing file"])
        // 14: nothing on the wire starts like an error or a protocol word.
        harness.simulator.send("hms x1c 0300_0100_0001_0007")
        _ = await client.readLines(timeout: .seconds(5)) { $0.contains { $0.contains("HMS 0300_0100_0001_0007") } }
        for line in client.transcript {
            for reserved in ["Error:", "!!", "fatal:", "rs ", "resend", "Resend"] { #expect(!line.hasPrefix(reserved), "\(line)") }
            #expect(line != "start" && line != "wait")
        }
        client.close()
        await daemon.terminate()
        await harness.stop()
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct UploadTests {
    @Test func uploadCommandAndSerialUpload() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        // bambu-serial upload FILE --print: the bytes arrive and the job starts.
        let local = harness.directory + "/Part.gcode.3mf"
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        _ = FileManager.default.createFile(atPath: local, contents: Data(bytes))
        let upload = try ChildProcess(["upload", "--config", harness.configPath, "x1c", local, "--print"])
        #expect(await Wait.until(timeout: .seconds(30)) { !upload.isRunning })
        #expect(upload.output == ["uploaded /Part.gcode.3mf to x1c", "started Part on x1c"], "\(upload.errorOutput)")
        let stored = try Data(contentsOf: URL(fileURLWithPath: harness.directory + "/storage/x1c/Part.gcode.3mf"))
        #expect([UInt8](stored) == bytes)
        #expect(harness.requests(for: "x1c").contains { $0.contains(#""url":"file:///sdcard/Part.gcode.3mf""#) })

        // M28 … M29 through the pty: the lines land on the printer as a file.
        let (daemon, _) = try await harness.startDaemon()
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        let writing = try await client.command("M28 /cube.gcode")
        #expect(writing == ["Writing to file: /cube.gcode", "ok"])
        #expect(try await client.command("N1 G28*18") == ["ok"])
        #expect(try await client.command("G1 X10 Y10") == ["ok"])
        let done = try await client.command("M29")
        #expect(done.first == "Done saving file." && done.last == "ok")
        _ = await client.readLines(timeout: .seconds(15)) { _ in
            client.transcript.contains("//action:notification x1c: uploaded /cube.gcode")
        }
        #expect(client.transcript.contains("//action:notification x1c: uploaded /cube.gcode"))
        let text = try String(contentsOfFile: harness.directory + "/storage/x1c/cube.gcode", encoding: .utf8)
        #expect(text == "G28\nG1 X10 Y10\n")
        client.close()
        await daemon.terminate()
        await harness.stop()
    }
}
