// SPDX-License-Identifier: AGPL-3.0-or-later
// HMS and print_error decoding (bambu-lan.md §4).

import BambuModel
import Testing

/// HMS and print_error codes must match the forms the vendor's tables and wiki use.
@Suite struct HMSEntryTests {
    @Test func decodesTheDocumentedExample() {
        let entry = HMSEntry(attribute: 50_331_904, code: 65_543)
        #expect(entry.displayCode == "0300_0100_0001_0007")
        #expect(entry.longCode == "0300010000010007")
        #expect(entry.severity == .fatal)
        #expect(entry.moduleID == 0x03)
        #expect(entry.moduleName == "motion controller")
    }

    @Test(arguments: [
        (UInt32(0x0C00_0300), UInt32(0x0003_0007), "0C00_0300_0003_0007", "0C00030000030007", HMSSeverity.common),
        (0x0500_0600, 0x0002_0070, "0500_0600_0002_0070", "0500060000020070", .serious),
        (0x0500_0500, 0x0001_0007, "0500_0500_0001_0007", "0500050000010007", .fatal),
        (0x0704_0100, 0x0004_0001, "0704_0100_0004_0001", "0704010000040001", .info),
        (0x1200_00FF, 0x0000_8001, "1200_00FF_0000_8001", "1200000000008001", .unknown),
        (0xFFFF_FFFF, 0x0005_FFFF, "FFFF_FFFF_0005_FFFF", "FFFFFF000005FFFF", .unknown),
    ])
    func decodes(attribute: UInt32, code: UInt32, display: String, long: String, severity: HMSSeverity) {
        let entry = HMSEntry(attribute: attribute, code: code)
        #expect(entry.displayCode == display)
        #expect(entry.longCode == long)
        #expect(entry.longCode.count == 16)
        #expect(entry.severity == severity)
    }

    @Test(arguments: [
        (UInt8(0x03), "motion controller"), (0x05, "mainboard"), (0x07, "AMS"), (0x08, "toolhead"),
        (0x0C, "camera/LiDAR"), (0x12, "AMS Lite"), (0x18, "AMS HT"), (0x10, "module 0x10"), (0xAB, "module 0xAB"),
    ])
    func namesModules(id: UInt8, name: String) {
        let entry = HMSEntry(attribute: UInt32(id) << 24, code: 0x0001_0001)
        #expect(entry.moduleID == id)
        #expect(entry.moduleName == name)
    }

    @Test(arguments: [
        (50_348_044, "0300_400C", UInt8(0x03)),
        (117_473_286, "0700_8006", 0x07),
        (83_935_249, "0500_C011", 0x05),
        (84_033_543, "0502_4007", 0x05),
        (0, "0000_0000", 0x00),
        (-1, "FFFF_FFFF", 0xFF),
    ])
    func decodesPrintErrors(raw: Int, display: String, module: UInt8) {
        let code = PrintErrorCode(rawValue: raw)
        #expect(code.displayCode == display)
        #expect(code.moduleID == module)
        #expect(code.isNone == (raw == 0))
    }

    @Test func printErrorModuleNames() {
        #expect(PrintErrorCode(rawValue: 50_348_044).moduleName == "motion controller")
        #expect(PrintErrorCode(rawValue: 117_473_286).moduleName == "AMS")
    }

    @Test func stateListsOnlyLiveEntries() throws {
        var state = PrinterState()
        let report =
            #"{"print":{"hms":[{"attr":0,"code":5},{"attr":5,"code":0},{"attr":"201327360","code":196615},{}]}}"#
        _ = state.apply(try JSONValue(parsing: report))
        #expect(state.hms == [HMSEntry(attribute: 0x0C00_0300, code: 0x0003_0007)])
    }

    @Test func entriesAreHashable() {
        let entries: Set = [
            HMSEntry(attribute: 1, code: 2), HMSEntry(attribute: 1, code: 2), HMSEntry(attribute: 2, code: 2),
        ]
        #expect(entries.count == 2)
    }
}
