// SPDX-License-Identifier: AGPL-3.0-or-later
// One entry out of a real ZIP (3MF) made by Python's zipfile, inflated with zlib; and over FTPS.

import BambuModel
import BridgeTestSupport
import FTPSAdapter
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct ArchiveEntryReaderTests {
    static let sliceInfo = """
        <?xml version="1.0" encoding="UTF-8"?>
        <config>
          <plate>
            <metadata key="index" value="1"/>
            <object identify_id="101" name="3DBenchy" skipped="false" />
            <object identify_id="202" name="Brim ear" skipped="false" />
          </plate>
        </config>

        """

    /// Writes a 3MF-shaped archive with Python's zipfile: a deflated slice info, a stored G-code.
    private func makeArchive(zip64: Bool = false) throws -> String {
        let directory = try TemporaryDirectory.make(prefix: "archive-test")
        let path = directory + "/job.gcode.3mf"
        let script = """
            import sys, zipfile
            path, info, zip64 = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("[Content_Types].xml", "<Types/>" * 40)
                with archive.open("Metadata/slice_info.config", "w", force_zip64=zip64) as entry:
                    entry.write(info.encode())
                archive.writestr(zipfile.ZipInfo("Metadata/plate_1.gcode"), "G28\\n" * 100, compress_type=zipfile.ZIP_STORED)
            """
        let result = try Command.run(try FTPSTestServer.requirePython(), ["-c", script, path, Self.sliceInfo, zip64 ? "1" : "0"])
        try #require(result.status == 0, "\(result.output)")
        return path
    }

    @Test func readsADeflatedEntry() throws {
        let path = try makeArchive()
        let bytes = try ArchiveEntryReader.read(entry: "Metadata/slice_info.config", fromArchive: path)
        #expect(String(decoding: bytes, as: UTF8.self) == Self.sliceInfo)
        #expect(
            SliceInfo(parsing: bytes).plate(1)?.objects
                == [SliceInfo.Object(id: 101, name: "3DBenchy"), SliceInfo.Object(id: 202, name: "Brim ear")])
    }

    @Test func readsAStoredEntryAndAZip64Entry() throws {
        let stored = try ArchiveEntryReader.read(entry: "Metadata/plate_1.gcode", fromArchive: try makeArchive())
        #expect(String(decoding: stored, as: UTF8.self) == String(repeating: "G28\n", count: 100))
        let zip64 = try ArchiveEntryReader.read(entry: "Metadata/slice_info.config", fromArchive: try makeArchive(zip64: true))
        #expect(String(decoding: zip64, as: UTF8.self) == Self.sliceInfo)
    }

    @Test func missingEntryAndNonArchivesAreClearErrors() throws {
        let path = try makeArchive()
        #expect {
            try ArchiveEntryReader.read(entry: "Metadata/model_settings.config", fromArchive: path)
        } throws: { error in
            "\(error)" == "the archive has no Metadata/model_settings.config"
        }
        let text = try TemporaryDirectory.make(prefix: "archive-test") + "/plain.gcode"
        try Data(String(repeating: "G28\n", count: 20).utf8).write(to: URL(fileURLWithPath: text))
        #expect {
            try ArchiveEntryReader.read(entry: "Metadata/slice_info.config", fromArchive: text)
        } throws: { error in
            "\(error)" == "no end of central directory record: not a ZIP archive"
        }
    }

    @Test func damagedDataIsRefused() {
        #expect(throws: ArchiveEntryReader.Failure.self) {
            try ArchiveEntryReader.inflate([0xFF, 0xFF, 0xFF, 0xFF], expectedSize: 10)
        }
    }

    @Test func readsTheSeededFilesSliceInfoOverFTPS() async throws {
        let server = try await FTPSTestServer(rates: [0])
        do {
            let storage = FTPSPrinterStorage(client: server.client())
            let bytes = try await storage.readArchiveEntry(path: "/Benchy.gcode.3mf", entry: "Metadata/slice_info.config")
            #expect(
                SliceInfo(parsing: bytes).plate(1)?.objects
                    == [SliceInfo.Object(id: 101, name: "3DBenchy"), SliceInfo.Object(id: 202, name: "Brim ear")])
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
