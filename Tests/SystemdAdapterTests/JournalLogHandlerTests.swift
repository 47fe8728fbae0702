// SPDX-License-Identifier: AGPL-3.0-or-later
// Journal fields: per-printer fields, upper-case names, keys journald would reject dropped.

import Logging
import SystemdAdapter
import Testing

@Suite struct JournalLogHandlerTests {
    @Test(arguments: [
        ("printer.name", "PRINTER_NAME"), ("link.state", "LINK_STATE"), ("mqtt.sequence_id", "MQTT_SEQUENCE_ID"),
        ("message", "META_MESSAGE"),
    ])
    func fieldNames(key: String, field: String) {
        #expect(JournalLogHandler.fieldName(key) == field)
    }

    @Test(arguments: ["_private", "9lives", ""])
    func invalidKeysAreDropped(key: String) {
        #expect(JournalLogHandler.fieldName(key) == nil)
    }

    @Test func printerEntriesCarryPrinterAndSerial() {
        var handler = JournalLogHandler(label: "test")
        handler[metadataKey: "printer.name"] = "x1c"
        handler[metadataKey: "printer.serial"] = "00M00A000000001"
        let event = LogEvent(
            level: .warning, message: "printer link state changed", metadata: ["link.state": "reconnecting"],
            source: nil, file: "Session.swift", function: "handle", line: 12)
        let fields = handler.fields(for: event)
        #expect(fields.first == "MESSAGE=printer link state changed")
        #expect(fields.contains("PRIORITY=4"))
        #expect(fields.contains("PRINTER=x1c"))
        #expect(fields.contains("SERIAL=00M00A000000001"))
        #expect(fields.contains("PRINTER_NAME=x1c"))
        #expect(fields.contains("LINK_STATE=reconnecting"))
    }
}
