// SPDX-License-Identifier: AGPL-3.0-or-later
// Plates and objects from slice_info.config, and the ZIP directory reader.

import BambuModel
import Testing

@Suite struct SliceInfoTests {
    static let twoPlates = """
        <?xml version="1.0" encoding="UTF-8"?>
        <config>
          <header>
            <header_item key="X-BBL-Client-Type" value="slicer"/>
          </header>
          <plate>
            <metadata key="index" value="1"/>
            <!-- <object identify_id="999" name="commented out"/> -->
            <object identify_id="101" name="3DBenchy" skipped="false" />
            <object identify_id="202" name="Brim &amp; ear &#x263A;" skipped="true" />
            <filament id="1" type="PLA"/>
          </plate>
          <plate>
            <metadata key="index" value="2"/>
            <object identify_id='7' name='Clip'/>
          </plate>
        </config>
        """

    @Test func readsPlatesAndObjects() {
        let info = SliceInfo(parsing: Array(Self.twoPlates.utf8))
        #expect(info.plates.count == 2)
        #expect(
            info.plate(1)?.objects == [
                SliceInfo.Object(id: 101, name: "3DBenchy"), SliceInfo.Object(id: 202, name: "Brim & ear ☺", skipped: true),
            ])
        #expect(info.plate(2)?.objects == [SliceInfo.Object(id: 7, name: "Clip")])
        #expect(info.plate(3) == nil)
        #expect(info.plate(nil) == nil)
    }

    @Test func singlePlateIsUsedWhateverTheIndex() {
        let info = SliceInfo(parsing: Array(#"<config><plate><object identify_id="55" name="Cube"/></plate></config>"#.utf8))
        #expect(info.plate(4)?.objects == [SliceInfo.Object(id: 55, name: "Cube")])
        #expect(info.plate(nil)?.objects.count == 1)
    }

    @Test func garbageGivesNoPlates() {
        #expect(SliceInfo(parsing: Array("<<<>>> <plate <object identify_id=".utf8)).plates.allSatisfy { $0.objects.isEmpty })
        #expect(SliceInfo(parsing: []).plates.isEmpty)
    }

    @Test func zipDirectoryOfAStoredArchive() throws {
        // A one-entry archive with a stored (uncompressed) file "a.txt" holding "hi".
        let local: [UInt8] =
            [0x50, 0x4b, 0x03, 0x04, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0] + [0xac, 0x2a, 0x93, 0xd8] + [2, 0, 0, 0, 2, 0, 0, 0]
            + [5, 0, 0, 0] + Array("a.txt".utf8) + Array("hi".utf8)
        let central: [UInt8] =
            [0x50, 0x4b, 0x01, 0x02, 20, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0] + [0xac, 0x2a, 0x93, 0xd8]
            + [2, 0, 0, 0, 2, 0, 0, 0] + [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0]
            + Array("a.txt".utf8)
        let end: [UInt8] =
            [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0]
            + littleEndian32(central.count) + littleEndian32(local.count) + [0, 0]
        let archive = local + central + end
        guard case .found(let location) = try ZipDirectory.locate(tail: archive, fileSize: archive.count) else {
            Issue.record("no directory")
            return
        }
        #expect(location == ZipDirectory.Location(offset: local.count, size: central.count, entryCount: 1))
        let entries = try ZipDirectory.entries(Array(archive[location.offset..<location.offset + location.size]))
        #expect(entries.map(\.name) == ["a.txt"])
        #expect(entries.first?.method == 0)
        let start = try ZipDirectory.dataOffset(of: entries[0], localHeader: Array(archive.prefix(30)))
        #expect(Array(archive[start..<start + 2]) == Array("hi".utf8))
    }

    @Test func notAZip() {
        #expect(throws: ZipDirectory.FormatError.self) {
            try ZipDirectory.locate(tail: Array(repeating: 0x41, count: 100), fileSize: 100)
        }
    }

    private func littleEndian32(_ value: Int) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
