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
        // The hosts run in a child process, as real hosts do: a descriptor of this process would be
        // copied into the children other suites start meanwhile, and the kernel reports a close only
        // when the last copy closes (a host "still open" there is the same host to the port).
        let script = Fixtures.repositoryRoot + "/Tests/HostTests/churn_host.py"
        let hosts = try ChildProcess([script, slot.path, String(cycles)], executable: "/usr/bin/python3")
        let summary = await hosts.waitForLine(timeout: .seconds(240)) { $0.hasPrefix("{") }
        let parsed = summary.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let result = try #require(parsed, "no summary from churn_host.py: \(hosts.errorOutput.suffix(5))")
        #expect(result["cycles"] as? Int == cycles)
        let polluted = result["polluted"] as? [String] ?? ["(no list)"]
        let seconds = result["seconds"] as? Double ?? 0
        print("host churn: \(cycles) open/close cycles (\(cycles / 2) with unread output) in \(seconds) seconds")
        let sample = polluted.prefix(3).map { String($0.prefix(600)) as String }
        // The port decides whose bytes it read from the inotify events read before it (PseudoTerminal,
        // HostInput) and flushes a reply written while another host opened the port. Known and open
        // (issue 8): a departed host's replies written in the few system calls around the next host's
        // open can still reach it; seen about once per 100 reading hosts when every suite starts at
        // once on a 2-core CI machine, never in 4,000 under ThreadSanitizer on an otherwise idle one.
        withKnownIssue("a reply can reach the next host in the window around its open", isIntermittent: true) {
            #expect(polluted.isEmpty, "\(polluted.count) hosts saw output that was not theirs, e.g. \(sample)")
        }
        // More than that is a regression, not the window.
        #expect(polluted.count <= max(1, cycles / 100), "\(polluted.count) hosts saw output that was not theirs, e.g. \(sample)")
        await hosts.terminate()

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
