// SPDX-License-Identifier: AGPL-3.0-or-later
// Hosts opening and closing the pty a thousand times, half of them leaving replies unread.

import BridgeTestSupport
import Foundation
import Logging
import PTYAdapter
import Testing

@Suite(.serialized, .timeLimit(.minutes(5))) struct HostChurnTests {
    /// Cycles to run: `BAMBU_CHURN_CYCLES`, else 1,000 (`make test` runs 200; README, "Resilience").
    private var cycles: Int { Int(ProcessInfo.processInfo.environment["BAMBU_CHURN_CYCLES"] ?? "") ?? 1000 }

    @Test func hostsComingAndGoingNeverLoseThePortOrSeeStaleOutput() async throws {
        let slot = try await Slot.start()
        slot.link.connect()
        // Generous: the whole suite starts at once and a loaded CI machine can take seconds here.
        #expect(await slot.link.waitForPublished(count: 2, timeout: .seconds(30)).count == 2)
        slot.link.deliver(
            #"{"print":{"command":"push_status","msg":0,"nozzle_temper":24.5,"nozzle_target_temper":0,"bed_temper":23.0,"bed_target_temper":0,"chamber_temper":26}}"#
        )
        let clock = ContinuousClock()
        let start = clock.now
        var polluted: [String] = []
        for cycle in 0..<cycles {
            let client = try SerialClient(path: slot.path)
            if cycle % 2 == 0 {
                // Leaves without reading: the replies must not reach the next host.
                try client.write("M105\nM115\nM118 E1 left by \(cycle)\n")
            } else {
                try client.write("M118 E1 churn \(cycle)\n")
                // 5 s: the suite starts with every other suite at once, and a 2-core CI machine has
                // stalled one answer for over 2 s there ("cycle 5: []" in a full `make test`).
                let lines = await client.readLines(timeout: .seconds(5)) { $0.last == "ok" }
                if lines != ["echo:churn \(cycle)", "ok"] { polluted.append("cycle \(cycle): \(lines)") }
            }
            client.close()
        }
        let elapsed = clock.now - start
        print("host churn: \(cycles) open/close cycles (\(cycles / 2) with unread output) in \(elapsed)")
        let sample = polluted.prefix(3).map { String($0.prefix(300)) }
        // The port decides whose bytes it read from the inotify events queued by then (PseudoTerminal,
        // HostInput) and writes a reply only while no other host has opened the port since.
        #expect(polluted.count == 0, "\(polluted.count) hosts saw output that was not theirs, e.g. \(sample)")

        // The port is still there and answers.
        let client = try SerialClient(path: slot.path)
        try client.write("M105\n")
        #expect(await client.readLines(1) == ["ok T:24.5 /0.0 B:23.0 /0.0 C:26.0 /0.0 @:0 B@:0"])
        client.close()
        await slot.stop()
    }

    @Test func repliesForADepartedHostNeverReachTheNextOne() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bambu-gen-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let port = try await PseudoTerminal(name: "x1c", directory: root, group: nil, mode: 0o600, logger: Logger(label: "test"))
        let first = try SerialClient(path: root + "/x1c")
        #expect(await Wait.until(timeout: .seconds(5)) { port.isHostAttached })
        port.write(Array("for the first\n".utf8), forHost: 1)
        #expect(await first.readLines(1) == ["for the first"])
        first.close()
        #expect(await Wait.until(timeout: .seconds(5)) { !port.isHostAttached })

        let second = try SerialClient(path: root + "/x1c")
        #expect(await Wait.until(timeout: .seconds(5)) { port.isHostAttached })
        // The driver still answering a line of the first host: dropped, not delivered to the second.
        port.write(Array("late reply to the first\n".utf8), forHost: 1)
        port.write(Array("for the second\n".utf8), forHost: 2)
        #expect(await second.readLines(timeout: .seconds(2)) { $0.contains("for the second") } == ["for the second"])
        second.close()
        await port.close()
        try? FileManager.default.removeItem(atPath: root)
    }
}
