// SPDX-License-Identifier: AGPL-3.0-or-later
// SD card emulation against the core: serial-host.md §18 checks 8–14, byte for byte.

import BambuModel
import BridgeCore
import GCode
import Testing

private let benchy = StoredFile(
    path: "/Benchy.gcode.3mf", size: 1_843_712,
    modified: FileTimestamp(year: 2025, month: 3, day: 14, hour: 15, minute: 9, second: 26))
private let stand = StoredFile(path: "/cache/Phone stand.gcode.3mf", size: 2048)
private let files = [
    benchy, stand, StoredFile(path: "/timelapse/video.mp4", size: 10), StoredFile(path: "/.hidden.3mf", size: 1),
    StoredFile(path: "/logger/x.log", size: 3),
]
private let benchyAlias = SDCatalog.alias(for: "/Benchy.gcode.3mf")
private let standAlias = SDCatalog.alias(for: "/cache/Phone stand.gcode.3mf")

/// A harness with the two printable files listed.
private func listed(model: PrinterModel = .x1c, serial: String = "00M00A000000000") -> SessionHarness {
    var harness = SessionHarness(model: model, serial: serial)
    harness.report(#"{"print":{"command":"push_status","gcode_state":"IDLE","mc_percent":0,"ams":{"ams":[]}}}"#)
    harness.listing(files)
    return harness
}

@Suite struct StorageTests {
    @Test func aliasesAreStableShortAndAccepted() {
        #expect(benchyAlias.hasPrefix("BENC"))
        #expect(benchyAlias.hasSuffix(".GCO"))
        #expect(benchyAlias.count == 12)
        #expect(SDCatalog.alias(for: "/Benchy.gcode.3mf") == benchyAlias)
        #expect(standAlias.hasPrefix("PHON"))
    }

    @Test func fatTimestamp() {
        #expect(benchy.modified?.fatHex == "0x5a6e792d")
        #expect(FileTimestamp(year: 2008, month: 5, day: 28, hour: 0, minute: 0, second: 0).fatHex == nil)
    }

    @Test func m21RefreshesAndAnswers() {
        var harness = SessionHarness()
        #expect(harness.line("M21") == "SD card ok\nok\n")
        #expect(harness.storage == [.refreshList])
        #expect(harness.listing(files) == "//action:sd_updated\n")
        #expect(harness.listing(files) == "")
    }

    @Test func check8ListingFormats() {
        var harness = listed()
        let plain = harness.line("M20")
        #expect(plain == "Begin file list\n\(benchyAlias) 1843712\n\(standAlias) 2048\nEnd file list\nok\n")
        #expect(
            harness.line("M20 L")
                == "Begin file list\n\(benchyAlias) 1843712 \"Benchy.gcode.3mf\"\n\(standAlias) 2048 \"cache/Phone stand.gcode.3mf\"\nEnd file list\nok\n"
        )
        #expect(
            harness.line("M20 L T")
                == "Begin file list\n\(benchyAlias) 1843712 0x5a6e792d \"Benchy.gcode.3mf\"\n\(standAlias) 2048 \"cache/Phone stand.gcode.3mf\"\nEnd file list\nok\n"
        )
        #expect(harness.writes.last == harness.writes.last)  // one write per reply block
        for line in plain.split(separator: "\n") where !line.hasPrefix("Begin") && !line.hasPrefix("End") && line != "ok" {
            let first = line.split(separator: " ")[0]
            #expect(first.allSatisfy { $0.isASCII && $0 > " " && $0 <= "~" } && first.lowercased().hasSuffix(".gco"))
        }
    }

    @Test(arguments: ["M23 /\(benchyAlias)", "M23 \(benchyAlias.lowercased())", "M23 \(benchyAlias)", "M23 /benchy.gcode.3mf"])
    func check9Select(line: String) {
        var harness = listed()
        #expect(harness.line(line) == "File opened: \(benchyAlias) Size: 1843712\nFile selected\nok\n")
    }

    @Test func unknownFileIsNotAnError() {
        var harness = listed()
        #expect(harness.line("M23 /NOPE.GCO") == "open failed, File: /NOPE.GCO.\nok\n")
    }

    @Test func check10StartPendingNeverReportsNotPrinting() {
        var harness = listed()
        harness.line("M23 /\(benchyAlias)")
        #expect(harness.line("M24") == "ok\n")
        #expect(
            harness.takePublished() == [
                #"{"print":{"sequence_id":"3","command":"project_file","param":"Metadata/plate_1.gcode","url":"file:///sdcard/Benchy.gcode.3mf","file":"Benchy.gcode.3mf","md5":"","subtask_name":"Benchy","project_id":"0","profile_id":"0","task_id":"0","subtask_id":"0","bed_type":"auto","timelapse":false,"bed_leveling":true,"flow_cali":true,"vibration_cali":true,"layer_inspect":true,"use_ams":false}}"#
            ])
        for _ in 0..<3 {
            harness.report(#"{"print":{"command":"push_status","gcode_state":"IDLE"}}"#)
            #expect(harness.line("M27") == "SD printing byte 0/1843712\nok\n")
        }
        harness.report(#"{"print":{"command":"push_status","gcode_state":"PREPARE","mc_percent":0}}"#)
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","mc_percent":50}}"#)
        #expect(harness.line("M27") == "SD printing byte 921856/1843712\nok\n")
    }

    @Test func h2UsesAnFtpURL() {
        var harness = listed(model: .h2d, serial: "09400A000000000")
        harness.line("M23 /\(standAlias)")
        harness.line("M24")
        #expect(harness.takePublished().first?.contains(#""url":"ftp:///cache/Phone stand.gcode.3mf""#) == true)
    }

    @Test func refusedStartEndsTheJob() {
        var harness = listed()
        harness.line("M23 /\(benchyAlias)")
        harness.line("M24")
        let text = harness.report(
            #"{"print":{"command":"project_file","sequence_id":"3","result":"failed","reason":"device is busy"}}"#)
        #expect(text == "//action:notification test: Print was not accepted: device is busy\n")
        #expect(harness.line("M27") == "Not SD printing\nok\n")
    }

    @Test func startTimesOut() {
        var harness = listed()
        harness.line("M23 /\(benchyAlias)")
        harness.line("M24")
        let text = harness.advance(.seconds(121))
        #expect(text.contains("Print was not accepted: the printer did not start the job within 120 s"))
        #expect(harness.line("M27") == "Not SD printing\nok\n")
    }

    @Test func check11CancelSequencePublishesOneStop() {
        var harness = runningJob()
        #expect(harness.send("M108\nM25\nM27\nM26 S0\n") == "ok\nok\nSD printing byte 0/1843712\nok\nok\n")
        harness.advance(.seconds(2))
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"4","command":"stop","param":""}}"#])
        // The printer still says RUNNING for a moment: no restart is reported.
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","mc_percent":30}}"#)
        #expect(harness.line("M27") == "Not SD printing\nok\n")
    }

    @Test func pauseAndResumeFromTheHost() {
        var harness = runningJob()
        #expect(harness.line("M25") == "ok\n")
        #expect(harness.advance(.seconds(1)) == "")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"4","command":"pause","param":""}}"#])
        // Paused: the position is frozen, never `Not SD printing` (OctoPrint would cancel).
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","mc_percent":50}}"#)
        #expect(harness.line("M27") == "SD printing byte 0/1843712\nok\n")
        #expect(harness.report(#"{"print":{"command":"push_status","gcode_state":"PAUSE"}}"#) == "")
        #expect(harness.line("M24") == "ok\n")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"5","command":"resume","param":""}}"#])
        #expect(harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING"}}"#) == "")
    }

    @Test func check12PrinterSideEvents() {
        var harness = runningJob()
        #expect(
            harness.report(#"{"print":{"command":"push_status","gcode_state":"PAUSE","stg_cur":6}}"#)
                == "//action:paused\n//action:notification test: paused on the printer (filament runout)\n")
        #expect(harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING"}}"#) == "//action:resumed\n")
        #expect(
            harness.report(#"{"print":{"command":"push_status","gcode_state":"FINISH","mc_percent":100}}"#)
                == "SD printing byte 1843712/1843712\nDone printing file\n")

        var stopped = runningJob()
        #expect(
            stopped.report(#"{"print":{"command":"push_status","gcode_state":"FAILED","print_error":50348044}}"#)
                == "//action:notification test: Print stopped on printer: 0300_400C\n")
        for _ in 0..<3 { #expect(stopped.line("M27") == "Not SD printing\nok\n") }
        #expect(!stopped.hostOutput.contains("Error:"))
    }

    @Test func check13PrinterSideStartIsAdoptedOnce() {
        var harness = listed()
        harness.line("M105")
        let text = harness.report(
            #"{"print":{"command":"push_status","gcode_state":"RUNNING","mc_percent":0,"gcode_file":"Benchy.gcode.3mf","subtask_name":"Benchy"}}"#
        )
        #expect(text == "File opened: /\(benchyAlias) Size: 1843712\nFile selected\nSD printing byte 1/1843712\n")
        #expect(harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","mc_percent":10}}"#) == "")
        #expect(harness.line("M27") == "SD printing byte 184371/1843712\nok\n")
    }

    @Test func adoptedAfterReconnectWhenAHostArrives() {
        var harness = listed()
        harness.handle(.hostDetached)
        harness.report(#"{"print":{"command":"push_status","gcode_state":"PAUSE","mc_percent":40,"subtask_name":"Benchy"}}"#)
        harness.handle(.hostAttached)
        let text = harness.line("N0 M110 N0*125")
        #expect(text == "ok\nFile opened: /\(benchyAlias) Size: 1843712\nFile selected\nSD printing byte 737484/1843712\n//action:paused\n")
    }

    @Test func m24WhilePausedOnAnotherFileDoesNotResumeIt() {
        var harness = runningJob()
        harness.line("M25")
        harness.advance(.seconds(1))
        _ = harness.takePublished()
        harness.line("M23 \(standAlias)")
        #expect(
            harness.line("M24")
                == "echo:M24: the printer is paused on Benchy.gcode.3mf; cancel that job before starting cache/Phone stand.gcode.3mf\nok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func m27AutoreportAndCurrentFile() {
        var harness = runningJob()
        #expect(harness.line("M27 S1") == "ok\n")
        #expect(harness.advance(.seconds(1)) == "SD printing byte 0/1843712\n")
        #expect(harness.line("M27 C") == "Current file: \(benchyAlias) Benchy.gcode.3mf\nok\n")
    }

    @Test func uploadSpoolsLinesAndUploadsAtM29() {
        var harness = listed()
        #expect(harness.line("M28 /cube.gcode") == "Writing to file: /cube.gcode\nok\n")
        #expect(harness.line("N1 G28*18") == "ok\n")
        #expect(harness.line("G1 X10 ; move") == "ok\n")
        #expect(harness.line("M29") == "Done saving file.\n// uploading /cube.gcode (11 bytes) to the printer\nok\n")
        #expect(
            harness.storage == [
                .beginSpool(operation: 1), .appendSpool(operation: 1, bytes: Array("G28\n".utf8)),
                .appendSpool(operation: 1, bytes: Array("G1 X10\n".utf8)), .finishSpool(operation: 1, remotePath: "/cube.gcode"),
            ])
        #expect(harness.handle(.storageProgress(operation: 1, percent: 55)) == "// upload /cube.gcode 55%\n")
        #expect(
            harness.handle(.storageFinished(operation: 1, error: nil))
                == "//action:notification test: uploaded /cube.gcode\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func deleteWaitsForTheResult() {
        var harness = listed()
        #expect(harness.line("M30 /\(standAlias.lowercased())") == "")
        #expect(harness.storage == [.delete(operation: 1, path: "/cache/Phone stand.gcode.3mf")])
        #expect(harness.handle(.storageFinished(operation: 1, error: nil)) == "File deleted:\(standAlias)\nok\n")
        #expect(harness.line("M30 /NOPE.GCO") == "Deletion failed, File: /NOPE.GCO.\nok\n")
    }

    @Test func cannotDeleteThePrintingFile() {
        var harness = runningJob()
        #expect(harness.line("M30 \(benchyAlias)") == "Deletion failed, File: \(benchyAlias).\necho:\(benchyAlias) is being printed\nok\n")
    }

    @Test func printOptionsShapeTheStart() {
        var harness = listed()
        #expect(
            harness.line("M8110 P2 A1 M0,1,-1 L0 T1")
                == "// print options: plate 2, AMS on, mapping 0,1,-1, bed leveling off, flow calibration on, vibration calibration on, layer inspection on, timelapse on\nok\n"
        )
        harness.line("M23 \(benchyAlias)")
        harness.line("M24")
        let payload = harness.takePublished().first ?? ""
        #expect(payload.contains(#""param":"Metadata/plate_2.gcode""#))
        #expect(payload.contains(#""timelapse":true,"bed_leveling":false"#))
        #expect(payload.hasSuffix(#""use_ams":true,"ams_mapping":[0,1,-1]}}"#))
    }

    @Test func check14NoReservedLinesFromPrinterText() {
        var harness = runningJob()
        harness.report(#"{"print":{"command":"push_status","gcode_state":"PAUSE","stg_cur":6,"subtask_name":"start"}}"#)
        harness.report(#"{"print":{"command":"push_status","hms":[{"attr":50331904,"code":65543}]}}"#)
        for line in harness.hostOutput.split(separator: "\n") {
            for word in ["Error:", "!!", "fatal:", "rs", "resend", "start", "wait"] {
                #expect(!line.hasPrefix(word), "\(line)")
            }
        }
        #expect(harness.hostOutput.contains("//action:notification test: HMS 0300_0100_0001_0007 (motion controller, fatal)"))
    }

    /// A job started from the host that the printer confirmed.
    private func runningJob() -> SessionHarness {
        var harness = listed()
        harness.line("M23 /\(benchyAlias)")
        harness.line("M24")
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","mc_percent":0}}"#)
        _ = harness.takePublished()
        return harness
    }
}
