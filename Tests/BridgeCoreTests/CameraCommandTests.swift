// SPDX-License-Identifier: AGPL-3.0-or-later
// M8160–M8163: the snapshot round trip through the runtime, camera settings and their refusals.

import BambuModel
import BridgeCore
import GCode
import Testing

@Suite struct CameraCommandTests {
    /// A report with the given `ipcam` block (or none).
    private static func report(ipcam: String?) -> String {
        let block = ipcam.map { #","ipcam":"# + $0 } ?? ""
        return #"{"print":{"command":"push_status","gcode_state":"IDLE""# + block + "}}"
    }

    @Test func m8160HoldsItsOkUntilTheSnapshotIsSaved() {
        var harness = SessionHarness()
        #expect(harness.line("M8160") == "")
        #expect(harness.camera == [.saveSnapshot(operation: 1)])
        #expect(harness.published.isEmpty)
        // Lines sent meanwhile wait for the held ok.
        #expect(harness.line("M114").isEmpty)
        let answer = harness.handle(
            .snapshotFinished(operation: 1, outcome: .saved(path: "/var/lib/bambu-serial/snapshots/test-20250101T000000.000Z.jpg")))
        #expect(answer.hasPrefix("// snapshot saved: /var/lib/bambu-serial/snapshots/test-20250101T000000.000Z.jpg\nok\n"))
        #expect(answer.split(separator: "\n").filter { $0.hasPrefix("ok") }.count == 2)
    }

    @Test func m8160ReportsTheCameraFailure() {
        var harness = SessionHarness()
        harness.line("M8160")
        #expect(
            harness.handle(.snapshotFinished(operation: 1, outcome: .failed(reason: "wrong access code")))
                == "echo:M8160: no snapshot from test's camera: wrong access code\nok\n")
    }

    @Test func m8160AnswersOnceEvenWhenTheResultComesLate() {
        var harness = SessionHarness()
        harness.line("M8160")
        let waited = harness.advance(.seconds(16))
        #expect(waited.hasSuffix("echo:M8160: the camera did not deliver a snapshot in time\nok\n"))
        #expect(harness.handle(.snapshotFinished(operation: 1, outcome: .saved(path: "/x.jpg"))) == "")
    }

    @Test func m8160WorksOffline() {
        var harness = SessionHarness(online: false)
        #expect(harness.line("M8160") == "")
        #expect(harness.camera == [.saveSnapshot(operation: 1)])
    }

    @Test func m8161PublishesRecordingOnAndOff() {
        var harness = SessionHarness()
        #expect(harness.line("M8161 S1") == "ok\n")
        #expect(harness.line("M8161 S0") == "ok\n")
        #expect(
            harness.takePublished() == [
                #"{"camera":{"sequence_id":"3","command":"ipcam_record_set","control":"enable"}}"#,
                #"{"camera":{"sequence_id":"4","command":"ipcam_record_set","control":"disable"}}"#,
            ])
    }

    @Test func m8161ReportsTheRecordingState() {
        var harness = SessionHarness()
        harness.report(Self.report(ipcam: #"{"ipcam_dev":"1","ipcam_record":"enable","timelapse":"disable","resolution":"1080p"}"#))
        #expect(harness.line("M8161") == "// camera recording: on\nok\n")
        #expect(harness.line("M8162") == "// timelapse: off\nok\n")
        #expect(harness.line("M8163") == "// camera resolution: 1080p\nok\n")
        #expect(harness.published.isEmpty)
    }

    @Test func m8162PublishesTimelapse() {
        var harness = SessionHarness()
        #expect(harness.line("M8162 S1") == "ok\n")
        #expect(harness.takePublished() == [#"{"camera":{"sequence_id":"3","command":"ipcam_timelapse","control":"enable"}}"#])
    }

    @Test func m8163SetsTheResolutionOnRTSPSCameras() {
        var harness = SessionHarness(model: .h2d, serial: "0940000000000")
        #expect(harness.line("M8163 S720") == "ok\n")
        #expect(
            harness.takePublished() == [#"{"camera":{"sequence_id":"3","command":"ipcam_resolution_set","resolution":"720p"}}"#])
    }

    @Test func refusals() {
        var p1s = SessionHarness(model: .p1s, serial: "01P00A000000000")
        #expect(p1s.line("M8163 S720") == "echo:M8163: the Bambu Lab P1S's camera has a fixed resolution\nok\n")
        var x1c = SessionHarness()
        #expect(x1c.line("M8163 S900") == "echo:M8163: S must be 1080 or 720, got 900\nok\n")
        #expect(x1c.line("M8161 S2") == "echo:M8161: S2 is outside 0..1\nok\n")
        #expect(x1c.line("M8161 S") == "echo:M8161: parameter S needs a number\nok\n")
        x1c.report(Self.report(ipcam: nil))
        #expect(x1c.line("M8161 S1") == "echo:M8161: the Bambu Lab X1 Carbon reports no camera settings (no ipcam block)\nok\n")
        #expect(x1c.published.isEmpty)
        var offline = SessionHarness(online: false)
        #expect(offline.line("M8161 S1") == "echo:test is not connected to the printer (pending); M8161 not sent\nok\n")
    }
}
