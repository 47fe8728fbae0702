// SPDX-License-Identifier: AGPL-3.0-or-later
// A daemon whose descriptors pass 1024 (about a hundred printers) still connects and publishes.

import BridgeTestSupport
import Testing

@Suite(.timeLimit(.minutes(2))) struct ManyDescriptorsTests {
    /// `mosquitto_loop` uses select(2) and refuses descriptors ≥ 1024 with MOSQ_ERR_INVAL; the MQTT
    /// adapter polls instead. The daemon starts with every free descriptor up to 1100 taken, so its
    /// MQTT socket is above 1024.
    @Test func printersConnectAndPublishAboveDescriptor1024() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        defer { Task { await harness.stop() } }
        let (daemon, _) = try await harness.startDaemon(
            // Only free descriptors: the ones the test process handed down (Foundation's process
            // monitor among them) must stay open, or it takes the daemon for exited and hangs in waitpid.
            shellPrefix: #"for i in $(seq 3 1100); do [ -e /proc/$$/fd/$i ] || eval "exec $i</dev/null"; done;"#)
        defer { Task { await daemon.terminate() } }
        #expect(
            await Wait.until(timeout: .seconds(20)) { harness.requests(for: "x1c").contains { $0.contains(#""pushall""#) } },
            "the daemon never connected: \(daemon.errorOutput.suffix(10))")
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        #expect(try await client.command("M104 S200") == ["ok"])
        #expect(
            await Wait.until(timeout: .seconds(5)) {
                harness.requests(for: "x1c").contains { $0.contains(#""param":"M104 S200\n""#) }
            })
        #expect(!daemon.errorOutput.contains { $0.contains("Invalid function arguments") })
        client.close()
    }
}
