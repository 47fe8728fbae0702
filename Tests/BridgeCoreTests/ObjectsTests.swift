// SPDX-License-Identifier: AGPL-3.0-or-later
// M486 cancel objects: listing from slice_info.config and s_obj, skip_objects, refusals.

import BambuModel
import BridgeCore
import Testing

@Suite struct ObjectsTests {
    static let benchy = StoredFile(path: "/Benchy.gcode.3mf", size: 4096)
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

    /// A job the printer runs from Benchy.gcode.3mf, adopted by the bridge, with the read request answered.
    static func runningBenchy(sliceInfo: String? = sliceInfo) -> SessionHarness {
        var harness = SessionHarness(model: .x1c)
        harness.listing([benchy])
        harness.line("M105")
        harness.report(
            #"{"print":{"command":"push_status","gcode_state":"RUNNING","subtask_name":"Benchy","gcode_file":"/sdcard/Benchy.gcode.3mf","s_obj":[]}}"#
        )
        #expect(harness.storage.last == .readSliceInfo(path: "/Benchy.gcode.3mf"))
        if let sliceInfo {
            harness.handle(.sliceInfoRead(path: "/Benchy.gcode.3mf", bytes: Array(sliceInfo.utf8), error: nil))
        }
        _ = harness.takePublished()
        return harness
    }

    @Test func listsTheJobsObjects() {
        var harness = Self.runningBenchy()
        #expect(
            harness.line("M486")
                == "// objects of Benchy.gcode.3mf: 2, 0 skipped\n// object 101: 3DBenchy\n// object 202: Brim ear\nok\n")
        harness.report(#"{"print":{"command":"push_status","s_obj":[202]}}"#)
        #expect(
            harness.line("M486")
                == "// objects of Benchy.gcode.3mf: 2, 1 skipped\n// object 101: 3DBenchy\n// object 202: Brim ear (skipped)\nok\n")
    }

    @Test func skipPublishesSkipObjects() {
        var harness = Self.runningBenchy()
        #expect(harness.line("M486 P202") == "ok\n")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"3","command":"skip_objects","obj_list":[202]}}"#])
    }

    @Test func refusals() {
        var harness = Self.runningBenchy()
        #expect(harness.line("M486 P5") == "echo:M486 P5: the job has no object 5 (its objects: 101, 202)\nok\n")
        harness.report(#"{"print":{"command":"push_status","s_obj":[101]}}"#)
        #expect(harness.line("M486 P101") == "echo:M486 P101: object 101 is already skipped\nok\n")
        #expect(harness.line("M486 U101") == "echo:M486 U: a skipped object cannot be restored on a Bambu printer\nok\n")
        #expect(harness.line("M486 C") == "echo:M486 C: the current object is not known; skip one by id with M486 P<id>\nok\n")
        #expect(harness.line("M486 P") == "echo:M486: parameter P needs a number\nok\n")
        #expect(harness.takePublished().isEmpty)
        harness.report(#"{"print":{"command":"push_status","gcode_state":"FINISH"}}"#)
        #expect(harness.line("M486 P202") == "echo:M486 P202: no print job is running on test\nok\n")
        #expect(harness.line("M486") == "// no print job is running\nok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func labellingFormsAreAcceptedWithoutPublishing() {
        var harness = Self.runningBenchy()
        for line in ["M486 T3", "M486 S0", "M486 S-1", "M486 AFoo"] {
            #expect(harness.line(line) == "ok\n")
        }
        #expect(harness.takePublished().isEmpty)
    }

    @Test func withoutTheObjectListOnlyIdsAreShown() {
        var harness = Self.runningBenchy(sliceInfo: nil)
        #expect(
            harness.line("M486")
                == "// object names of Benchy.gcode.3mf are being read from the printer\n// skipped objects: none\nok\n")
        harness.handle(.sliceInfoRead(path: "/Benchy.gcode.3mf", bytes: nil, error: "550 No such file"))
        harness.report(#"{"print":{"command":"push_status","s_obj":[206,208]}}"#)
        #expect(
            harness.line("M486")
                == "// object names unknown: cannot read /Benchy.gcode.3mf: 550 No such file\n// skipped objects: 206, 208\nok\n")
        // Without the list any id goes to the printer, which knows its objects.
        #expect(harness.line("M486 P7") == "ok\n")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"3","command":"skip_objects","obj_list":[7]}}"#])
    }

    @Test func hostStartedJobReadsItsPlate() {
        var harness = SessionHarness(model: .x1c)
        harness.listing([Self.benchy])
        harness.line("M23 /" + SDCatalog.alias(for: "/Benchy.gcode.3mf"))
        harness.line("M24")
        #expect(harness.storage.last == .readSliceInfo(path: "/Benchy.gcode.3mf"))
        harness.handle(.sliceInfoRead(path: "/Benchy.gcode.3mf", bytes: Array(Self.sliceInfo.utf8), error: nil))
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","s_obj":[]}}"#)
        #expect(harness.line("M486").hasPrefix("// objects of Benchy.gcode.3mf: 2, 0 skipped\n"))
    }

    @Test func adoptedJobBeforeAnyListingFindsItsFileOnceListed() {
        var harness = SessionHarness(model: .x1c)
        harness.report(
            #"{"print":{"command":"push_status","gcode_state":"RUNNING","subtask_name":"Benchy","gcode_file":"/sdcard/Benchy.gcode.3mf","s_obj":[]}}"#
        )
        #expect(harness.storage == [.refreshList])
        // The host's first line also gets the adopted job announced (under a guessed name until listed).
        #expect(
            harness.line("M486").hasPrefix(
                "// object names unknown: waiting for the printer's storage listing\n// skipped objects: none\nok\n"))
        harness.listing([Self.benchy])
        #expect(harness.storage.last == .readSliceInfo(path: "/Benchy.gcode.3mf"))
        harness.handle(.sliceInfoRead(path: "/Benchy.gcode.3mf", bytes: Array(Self.sliceInfo.utf8), error: nil))
        #expect(harness.line("M486").hasPrefix("// objects of Benchy.3mf: 2, 0 skipped\n"))
    }

    @Test func adoptedJobWithoutAHostTakesTheListedFile() {
        var harness = SessionHarness(model: .x1c)
        harness.report(
            #"{"print":{"command":"push_status","gcode_state":"RUNNING","subtask_name":"Benchy","gcode_file":"/sdcard/Benchy.gcode.3mf","s_obj":[]}}"#
        )
        harness.listing([Self.benchy])
        harness.handle(.sliceInfoRead(path: "/Benchy.gcode.3mf", bytes: Array(Self.sliceInfo.utf8), error: nil))
        let alias = SDCatalog.alias(for: "/Benchy.gcode.3mf")
        let reply = harness.line("M486")
        #expect(reply.hasPrefix("// objects of Benchy.gcode.3mf: 2, 0 skipped\n"))
        #expect(reply.hasSuffix("ok\nFile opened: /\(alias) Size: 4096\nFile selected\nSD printing byte 1/4096\n"))
    }

    @Test func hugeFilesAreNotFetched() {
        var harness = SessionHarness(model: .x1c)
        harness.listing([StoredFile(path: "/Huge.gcode.3mf", size: 200 * 1024 * 1024)])
        harness.line("M105")
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","subtask_name":"Huge","gcode_file":"Huge.gcode.3mf"}}"#)
        #expect(!harness.storage.contains(.readSliceInfo(path: "/Huge.gcode.3mf")))
        #expect(
            harness.line("M486")
                == "// object names unknown: /Huge.gcode.3mf is 200 MB; object lists are read from files up to 64 MB\n// skipped objects: none\nok\n"
        )
    }

    @Test func offlineListingStillWorksButSkipIsRefused() {
        var harness = Self.runningBenchy()
        harness.handle(.linkDown(reason: "timeout", permanent: false))
        #expect(harness.line("M486").hasPrefix("// objects of Benchy.gcode.3mf: 2"))
        #expect(harness.line("M486 P101").hasPrefix("echo:test is not connected to the printer"))
    }
}
