// SPDX-License-Identifier: AGPL-3.0-or-later
// The vendor's HMS text table: parsing the endpoint's answer and looking codes up.

import BambuModel
import BridgeTestSupport
import Testing

@Suite struct HMSTextTableTests {
    /// The real endpoint answer from the shared fixtures (decompressed at test time).
    static func realTable() throws -> HMSTextTable {
        try HMSTextTable(parsing: Fixtures.readGzip(Fixtures.hmsPath("query-en.json.gz")), language: "en")
    }

    @Test func readsTheRealTable() throws {
        let table = try Self.realTable()
        #expect(table.language == "en")
        #expect(table.version == "202603041659")
        #expect(table.hmsCount == 5179)
        #expect(table.errorCount == 1025)
    }

    @Test func knownCodesFromTheFixturesResolve() throws {
        let table = try Self.realTable()
        // x1_amsht_only_with_hms.json: attr 0x0C000300, code 0x00030007.
        let firstLayer = HMSEntry(attribute: 201_327_360, code: 196_615)
        #expect(firstLayer.longCode == "0C00030000030007")
        #expect(
            table.lookup(firstLayer)
                == .text(
                    "Possible first layer defects have been detected. Please check the first layer quality and decide if the job should be stopped."
                ))
        // The AMS feed-resistance text from the table's first entry, by long code with separators.
        #expect(
            table.lookup(hmsLongCode: "0704_2200_0002_0025")
                == .text(
                    "AMS E slot 3 feed resistance is too high. Please reduce the feed resistance, decrease the rotation resistance of the spool, and avoid having the filament tube too long and excessively bent."
                ))
    }

    @Test func emptyTextsAreInternal() throws {
        let table = try Self.realTable()
        // x2d_pushall_with_hms.json: attr 0x05000600, code 0x00020070 is listed with an empty text.
        let entry = HMSEntry(attribute: 83_887_616, code: 131_184)
        #expect(table.lookup(entry) == .internal)
        #expect(table.lookup(PrintErrorCode(rawValue: 0x0502_4007)) == .internal)
    }

    @Test func unknownCodesFallBack() throws {
        let table = try Self.realTable()
        let entry = HMSEntry(attribute: 0x0300_0100, code: 0x0004_FFFF)
        #expect(table.lookup(entry) == .unknown)
        #expect(table.lookup(entry).phrase == "no description known")
        #expect(entry.wikiLink(for: .x1c) == "https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/0300_0100_0004_FFFF")
        #expect(entry.wikiLink(for: .h2dPro) == "https://wiki.bambulab.com/en/h2/troubleshooting/hmscode/0300_0100_0004_FFFF")
        #expect(entry.wikiLink(for: .x2d) == "https://wiki.bambulab.com/en/x2d/troubleshooting/hmscode/0300_0100_0004_FFFF")
        #expect(entry.wikiLink(for: .p1s) == "https://wiki.bambulab.com/en/p1/troubleshooting/hmscode/0300_0100_0004_FFFF")
        #expect(entry.wikiLink(for: .p2s) == "https://wiki.bambulab.com/en/p2s/troubleshooting/hmscode/0300_0100_0004_FFFF")
    }

    @Test func printErrorsDecode() throws {
        let table = try Self.realTable()
        let canceled = PrintErrorCode(rawValue: 50_348_044)
        #expect(canceled.displayCode == "0300_400C")
        #expect(table.lookup(canceled) == .text("The task was canceled."))
        #expect(table.lookup(PrintErrorCode(rawValue: 117_473_286)).phrase.hasPrefix("Unable to feed filament into the extruder."))
        #expect(table.lookup(PrintErrorCode(rawValue: 0x0300_7FFF)) == .unknown)
    }

    @Test func smallTableWithoutLanguageArgument() throws {
        let json = #"{"result":0,"ver":"7","data":{"device_hms":{"de":[{"ecode":"0300010000010007","intro":"Heizbett"},{"ecode":"bad","intro":"x"}]},"device_error":{"de":[{"ecode":"0300400c","intro":"Abgebrochen"}]}}}"#
        let table = try HMSTextTable(parsing: Array(json.utf8))
        #expect(table.language == "de")
        #expect(table.version == "7")
        #expect(table.hmsCount == 1)
        #expect(table.lookup(HMSEntry(attribute: 0x0300_0100, code: 0x0001_0007)) == .text("Heizbett"))
        #expect(table.lookup(PrintErrorCode(rawValue: 0x0300_400C)) == .text("Abgebrochen"))
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        (#"{"result":201,"data":{}}"#, "\"result\" is 201, not 0"),
        (#"{"result":0}"#, "no \"data\" object"),
        (#"{"result":0,"data":{"device_hms":{"en":[]}}}"#, "no \"fr\" list in \"data.device_hms\""),
        (#"[1]"#, "not a JSON object"),
    ])
    func badAnswersAreRefused(text: String, message: String) {
        let language = text.contains("device_hms") ? "fr" : "en"
        #expect {
            try HMSTextTable(parsing: Array(text.utf8), language: language)
        } throws: { error in
            (error as? HMSTextTable.FormatError)?.description.hasPrefix(message) == true
        }
    }
}
