// SPDX-License-Identifier: AGPL-3.0-or-later
// HMS texts end to end: `hms-update` against a local HTTP server, and the daemon's notices with text.

import BridgeTestSupport
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct HMSTextTests {
    static let firstLayerText =
        "Possible first layer defects have been detected. Please check the first layer quality and decide if the job should be stopped."

    /// A tiny HTTP server (Python's http.server) on a free port serving `directory`; prints its port.
    private func startServer(_ directory: String) async throws -> (ChildProcess, Int) {
        let script = """
            import functools, http.server, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = http.server.HTTPServer(("127.0.0.1", 0), handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let server = try ChildProcess(["-c", script, directory], executable: "/usr/bin/python3")
        guard let line = await server.waitForLine(timeout: .seconds(10), { Int($0) != nil }), let port = Int(line) else {
            throw HarnessError("HTTP server did not start: \(server.errorOutput)")
        }
        return (server, port)
    }

    private func makeDirectory() throws -> String {
        var template = Array("/tmp/bambu-hms-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
        return String(cString: result)
    }

    /// Runs `bambu-serial hms-update` and waits for it to end.
    private func update(_ arguments: [String]) async throws -> (status: Int32, output: [String], errors: [String]) {
        let process = try ChildProcess(["hms-update"] + arguments)
        _ = await Wait.until(timeout: .seconds(30)) { !process.isRunning }
        let status = await process.terminate()
        // The last line is the verdict: wait until the pipes delivered it.
        _ = await Wait.until(timeout: .seconds(5)) {
            process.output.contains { $0.hasPrefix("reload the daemon") } || process.errorOutput.contains { $0.hasPrefix("hms-update:") }
        }
        return (status, process.output, process.errorOutput)
    }

    @Test func hmsUpdateDownloadsChecksAndWritesAtomically() async throws {
        let served = try makeDirectory()
        let state = try makeDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: served)
            try? FileManager.default.removeItem(atPath: state)
        }
        let table = try Fixtures.readGzip(Fixtures.hmsPath("query-en.json.gz"))
        try Data(table).write(to: URL(fileURLWithPath: served + "/query.json"))
        try Data("this is not JSON".utf8).write(to: URL(fileURLWithPath: served + "/bad.json"))
        try Data(#"{"result":201,"t":1,"ver":1}"#.utf8).write(to: URL(fileURLWithPath: served + "/unchanged.json"))
        let (server, port) = try await startServer(served)
        let base = "http://127.0.0.1:\(port)"

        let success = try await update(["--lang", "en", "--state-dir", state, "--url", base + "/query.json?lang=<lang>"])
        #expect(success.status == 0, "\(success.errors)")
        #expect(success.output.contains("downloading \(base)/query.json?lang=en"))
        #expect(
            success.output.contains(
                "wrote \(state)/hms-en.json: 5179 HMS texts, 1025 print error texts, version 202603041659"))
        let written = try Fixtures.readBytes(state + "/hms-en.json")
        #expect(written == table)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state) == ["hms-en.json"])

        let missing = try await update(["--lang", "en", "--state-dir", state, "--url", base + "/nope.json"])
        #expect(missing.status == 1)
        #expect(missing.errors.contains("hms-update: the server answered HTTP 404 for \(base)/nope.json"))

        let bad = try await update(["--lang", "en", "--state-dir", state, "--url", base + "/bad.json"])
        #expect(bad.status == 1)
        #expect(bad.errors.first?.hasPrefix("hms-update: the answer from \(base)/bad.json is not an HMS table: not valid JSON") == true)

        let unchanged = try await update(["--lang", "en", "--state-dir", state, "--url", base + "/unchanged.json"])
        #expect(unchanged.status == 1)
        #expect(unchanged.errors.contains("hms-update: the answer from \(base)/unchanged.json is not an HMS table: \"result\" is 201, not 0"))

        // Without --state-dir and --lang both come from the configuration file.
        let configured = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: configured) }
        let config = configured + "/bambu-serial.toml"
        try "[bridge]\nstate_dir = \"\(configured)/state\"\nhms_language = \"en\"\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let fromConfig = try await update(["--config", config, "--url", base + "/query.json?lang=<lang>"])
        #expect(fromConfig.status == 0, "\(fromConfig.errors)")
        #expect(try Fixtures.readBytes(configured + "/state/hms-en.json") == table)

        await server.terminate()
        let offline = try await update(["--lang", "en", "--state-dir", state, "--url", base + "/query.json"])
        #expect(offline.status == 1)
        #expect(offline.errors.first?.hasPrefix("hms-update: cannot download \(base)/query.json: ") == true)
        // The failures left the good file alone.
        #expect(try Fixtures.readBytes(state + "/hms-en.json") == table)
    }

    @Test func daemonReadsTheTableAtStartAndOnReload() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let stateDirectory = try #require(
            harness.configText.split(separator: "\n").first { $0.hasPrefix("state_dir") }?.split(separator: "\"").dropFirst().first
        )
        let tablePath = String(stateDirectory) + "/hms-en.json"
        // No table yet: the daemon says so once and notices link the wiki.
        let (daemon, _) = try await harness.startDaemon()
        #expect(await daemon.waitForLine(timeout: .seconds(5), errors: true) { $0.contains("HMS texts not loaded") } != nil)
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        harness.simulator.send("hms x1c 0C00_0300_0003_0007")
        let withoutText =
            "//action:notification x1c: HMS 0C00_0300_0003_0007 (camera/LiDAR, common): see https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/0C00_0300_0003_0007"
        let first = await client.readLines(timeout: .seconds(30)) { $0.contains(withoutText) }
        #expect(first.contains(withoutText), "\(first)")
        harness.simulator.send("clear-hms x1c")
        let cleared = "//action:notification x1c: HMS 0C00_0300_0003_0007 cleared"
        #expect(await client.readLines(timeout: .seconds(30)) { $0.contains(cleared) }.contains(cleared))

        // hms-update's file appears; SIGHUP makes the daemon read it.
        try Data(try Fixtures.readGzip(Fixtures.hmsPath("query-en.json.gz"))).write(to: URL(fileURLWithPath: tablePath))
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLine(timeout: .seconds(10), errors: true) { $0.contains("HMS texts loaded") } != nil)
        // The session gets the table through its event stream: M8103 stops saying it has none.
        var loaded = false
        for _ in 0..<50 where !loaded {
            try client.write("M8103\n")
            let answer = await client.readLines(timeout: .seconds(5)) { $0.last == "ok" }
            loaded = answer.contains("// no active HMS entries") && !answer.contains { $0.hasPrefix("// HMS texts not loaded") }
        }
        #expect(loaded)
        harness.simulator.send("hms x1c 0C00_0300_0003_0007")
        let expected = "//action:notification x1c: HMS 0C00_0300_0003_0007 (camera/LiDAR, common): \(Self.firstLayerText)"
        let lines = await client.readLines(timeout: .seconds(30)) { $0.contains(expected) }
        #expect(lines.contains(expected), "\(lines)")
        try client.write("M8103\n")
        let status = await client.readLines(timeout: .seconds(5)) { $0.last == "ok" }
        #expect(
            status.contains(
                "// HMS 0C00_0300_0003_0007 common camera/LiDAR: \(Self.firstLayerText) https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/0C00_0300_0003_0007"
            ), "\(status)")
        client.close()
        await daemon.terminate()
        await harness.stop()
    }

    @Test func daemonStartsWithTheTableInItsStateDirectory() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let stateDirectory = try #require(
            harness.configText.split(separator: "\n").first { $0.hasPrefix("state_dir") }?.split(separator: "\"").dropFirst().first
        )
        try FileManager.default.createDirectory(atPath: String(stateDirectory), withIntermediateDirectories: true)
        try Data(try Fixtures.readGzip(Fixtures.hmsPath("query-en.json.gz")))
            .write(to: URL(fileURLWithPath: String(stateDirectory) + "/hms-en.json"))
        let (daemon, _) = try await harness.startDaemon()
        #expect(await daemon.waitForLine(timeout: .seconds(5), errors: true) { $0.contains("HMS texts loaded") } != nil)
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        harness.simulator.send("hms x1c 0C00_0300_0003_0007")
        let expected = "//action:notification x1c: HMS 0C00_0300_0003_0007 (camera/LiDAR, common): \(Self.firstLayerText)"
        let lines = await client.readLines(timeout: .seconds(30)) { $0.contains(expected) }
        #expect(lines.contains(expected), "\(lines)")
        client.close()
        await daemon.terminate()
        await harness.stop()
    }
}
