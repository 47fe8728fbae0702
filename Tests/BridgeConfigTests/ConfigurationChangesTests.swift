// SPDX-License-Identifier: AGPL-3.0-or-later
// What a reload would change, compared printer by printer name.

import BambuModel
import BridgeConfig
import Testing

private func printer(_ name: String, host: String = "192.0.2.10", enabled: Bool = true) -> PrinterConfiguration {
    PrinterConfiguration(
        name: name,
        host: host,
        serial: "00M00A000000000",
        accessCode: Secret("12345678"),
        model: .x1c,
        enabled: enabled
    )
}

@Test func comparesPrintersByName() {
    let old = BridgeConfiguration(printers: [printer("a"), printer("b"), printer("c"), printer("d")])
    let new = BridgeConfiguration(
        printers: [printer("e"), printer("d", host: "192.0.2.99"), printer("a"), printer("c", enabled: false)]
    )
    #expect(
        new.differences(from: old)
            == ConfigurationChanges(added: ["e"], removed: ["b"], changed: ["d", "c"], unchanged: ["a"])
    )
}

@Test func aChangedSecretIsAChange() {
    var changed = printer("a")
    changed.accessCode = Secret("87654321")
    let changes = BridgeConfiguration(printers: [changed]).differences(
        from: BridgeConfiguration(printers: [printer("a")])
    )
    #expect(changes.changed == ["a"])
}

@Test func identicalConfigurationsHaveNoChanges() {
    let configuration = BridgeConfiguration(printers: [printer("a"), printer("b")])
    let changes = configuration.differences(from: configuration)
    #expect(changes.isEmpty)
    #expect(changes.unchanged == ["a", "b"])
}

@Test func reportsBridgeAndHTTPChanges() {
    var new = BridgeConfiguration()
    new.bridge.group = "octoprint"
    new.http.token = Secret("t")
    let changes = new.differences(from: BridgeConfiguration())
    #expect(changes == ConfigurationChanges(bridgeChanged: true, httpChanged: true))
    #expect(!changes.isEmpty)
}
