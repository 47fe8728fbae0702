// SPDX-License-Identifier: AGPL-3.0-or-later
// The session through a real pty: a host opens <tmp>/dev/bambu/<name>, the printer is in memory.

import BambuModel
import BridgeCore
import BridgeRuntime
import BridgeTestSupport
import Foundation
import Logging
import PTYAdapter
import Testing

/// One printer slot wired up in-process: real pty, in-memory printer link.
struct Slot {
    let directory: String
    let port: PseudoTerminal
    let link: InMemoryPrinterLink
    let task: Task<Void, Never>

    static func start(model: PrinterModel = .x1c, serial: String = "00M00A000000000") async throws -> Slot {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bambu-e2e-\(UUID().uuidString)")
        let directory = root.appendingPathComponent("dev/bambu").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logger = Logger(label: "test")
        let port = try await PseudoTerminal(
            name: "x1c", directory: directory, group: "dialout", mode: 0o660, logger: logger)
        let link = InMemoryPrinterLink()
        let session = PrinterSession(
            configuration: SessionConfiguration(printerName: "x1c", serial: serial, model: model))
        let driver = PrinterSessionDriver(session: session, port: port, link: link, logger: logger)
        let task = Task { await driver.run() }
        return Slot(directory: directory, port: port, link: link, task: task)
    }

    var path: String { directory + "/x1c" }

    func stop() async {
        task.cancel()
        await port.close()
        link.finish()
        await task.value
        try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent)
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct PTYEndToEndTests {
    @Test func handshakeCommandsAndReopen() async throws {
        let slot = try await Slot.start()
        slot.link.connect()
        #expect(await slot.link.waitForPublished(count: 2).count == 2)
        slot.link.deliver(#"{"print":{"command":"push_status","msg":0,"nozzle_temper":24.5,"nozzle_target_temper":0,"bed_temper":23.0,"bed_target_temper":0,"chamber_temper":26}}"#)

        // The symlink points at the slave and is a character device.
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: slot.path)
        #expect(target == slot.port.slavePath)
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect(attributes[.type] as? FileAttributeType == .typeCharacterSpecial)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        if let dialout = getgrnam("dialout") {
            #expect((attributes[.groupOwnerAccountID] as? Int) == Int(dialout.pointee.gr_gid))
        }

        let client = try SerialClient(path: slot.path)
        try client.write("N0 M110 N0*125\nN0 M110 N0*125\n")
        #expect(await client.readLines(2) == ["ok", "ok"])
        try client.write("N1 M115*39\n")
        let m115 = await client.readLines(timeout: .seconds(5)) { $0.last == "ok" }
        #expect(m115.first?.hasPrefix("FIRMWARE_NAME:bambu-serial 0.1.0 (Marlin compatible) ") == true)
        #expect(m115.first?.contains("MACHINE_TYPE:Bambu Lab X1 Carbon EXTRUDER_COUNT:1 UUID:") == true)
        #expect(m115.dropFirst().dropLast().allSatisfy { $0.hasPrefix("Cap:") })
        #expect(m115.contains("Cap:AUTOREPORT_TEMP:1"))
        try await waitForTemperature(slot, client)
        try client.write("M105\n")
        #expect(await client.readLines(1) == ["ok T:24.5 /0.0 B:23.0 /0.0 C:26.0 /0.0 @:0 B@:0"])
        try client.write("M104 S215\n")
        #expect(await client.readLines(1) == ["ok"])
        // The reply is written before the publish goes out (BENCHMARKS.md, benchmark 5): the publish
        // can follow the `ok` by a moment, and on the pty's thread it often does.
        #expect(
            await slot.link.waitForPublished(count: 3).map(\.payload) == [
                #"{"info":{"sequence_id":"1","command":"get_version"}}"#,
                #"{"pushing":{"sequence_id":"2","command":"pushall","version":1,"push_target":1}}"#,
                #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M104 S215\n"}}"#,
            ])

        // Ask for autoreports, leave, and come back: nothing stale may reach the new host.
        try client.write("M155 S1\n")
        #expect(await client.readLines(1) == ["ok"])
        client.close()
        #expect(await Wait.until(timeout: .seconds(5)) { !slot.port.isHostAttached })
        try await Task.sleep(for: .milliseconds(1500))  // autoreports would be due now if they had not stopped

        let again = try SerialClient(path: slot.path)
        #expect(await again.readAll(for: .milliseconds(300)) == "")
        try again.write("M105\n")
        #expect(await again.readLines(1) == ["ok T:24.5 /0.0 B:23.0 /0.0 C:26.0 /0.0 @:0 B@:0"])
        again.close()

        await slot.stop()
        #expect(!FileManager.default.fileExists(atPath: slot.path))
    }

    /// A host that opens the port and writes nothing, then leaves, is seen both times: nothing reads
    /// the master for it, so only the presence thread's doorbell (opens and closes) can tell. Many
    /// rounds, so the doorbell ringing a moment before the ordered events arrive is exercised too.
    @Test func aSilentHostIsSeenComingAndGoing() async throws {
        let slot = try await Slot.start()
        for round in 1...50 {
            let client = try SerialClient(path: slot.path)
            #expect(await Wait.until(timeout: .seconds(5)) { slot.port.isHostAttached }, "round \(round): open not seen")
            client.close()
            #expect(await Wait.until(timeout: .seconds(5)) { !slot.port.isHostAttached }, "round \(round): close not seen")
        }
        await slot.stop()
    }

    @Test func garbageAndHugeLinesNeverWedgeThePort() async throws {
        let slot = try await Slot.start()
        let client = try SerialClient(path: slot.path)
        try client.write(bytes: [0x00, 0xFF, 0x80, 0x1B, 0x0A])
        // A new host whose printer is not connected also hears the link state (serial-host.md §5.3).
        #expect(
            await client.readLines(3) == [
                "echo:Unknown command: \"????\"", "ok", "//action:notification x1c: pending",
            ])
        try client.write(String(repeating: "G1 X1 ", count: 2000) + "\n")
        #expect(await client.readLines(2) == ["echo:line of 12000 bytes is longer than 4096 bytes; ignored", "ok"])
        try client.write("N1 M105*99\n")
        #expect(
            await client.readLines(3) == ["Error:checksum mismatch, Last Line: 0", "Resend:1", "ok"])
        try client.write("M400\n")
        #expect(await client.readLines(1) == ["ok"])
        client.close()
        await slot.stop()
    }

    @Test func staleLinkIsReplaced() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bambu-stale-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/x1c", withDestinationPath: "/dev/pts/does-not-exist")
        let port = try await PseudoTerminal(
            name: "x1c", directory: root, group: nil, mode: 0o600, logger: Logger(label: "test"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/x1c") == port.slavePath)
        await port.close()
        #expect(!FileManager.default.fileExists(atPath: root + "/x1c"))
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Waits until the report delivered to the link has been merged (M105 shows it).
    private func waitForTemperature(_ slot: Slot, _ client: SerialClient) async throws {
        for _ in 0..<100 {
            try client.write("M105\n")
            if let line = await client.readLines(1).first, line.contains("T:24.5") { return }
        }
    }
}
