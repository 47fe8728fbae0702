// SPDX-License-Identifier: AGPL-3.0-or-later
// More ports than the kernel's default 128 inotify instances per user: every port still sees its hosts.

import BridgeTestSupport
import Foundation
import Logging
import PTYAdapter
import Testing

@Suite(.timeLimit(.minutes(2))) struct ManyPortsTests {
    /// Host presence shares one inotify instance, so a farm-sized daemon does not run out of them.
    @Test func twoHundredPortsEachSeeTheirHost() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bambu-many-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var ports: [PseudoTerminal] = []
        for index in 0..<200 {
            ports.append(
                try await PseudoTerminal(
                    name: "p\(index)", directory: root, group: nil, mode: 0o600, logger: Logger(label: "test")))
        }
        for index in [0, 127, 128, 199] {
            let port = ports[index]
            let client = try SerialClient(path: root + "/p\(index)")
            #expect(await Wait.until(timeout: .seconds(5)) { port.isHostAttached }, "port \(index)")
            port.write(Array("hello \(index)\n".utf8))
            #expect(await client.readLines(1) == ["hello \(index)"])
            client.close()
            #expect(await Wait.until(timeout: .seconds(5)) { !port.isHostAttached }, "port \(index)")
        }
        for port in ports { await port.close() }
    }
}
