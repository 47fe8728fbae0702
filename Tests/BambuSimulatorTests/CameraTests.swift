// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated printer's camera settings: `camera` requests change what `ipcam` reports.

import BambuModel
import Testing

@Suite struct CameraTests {
    @Test(arguments: [PrinterModel.x1c, .p1s, .h2d])
    func recordingTimelapseAndResolutionFollowTheRequests(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        #expect(harness.state.print["ipcam"]?["ipcam_record"]?.stringValue == "disable")
        harness.send(.cameraRecording(enabled: true))
        #expect(harness.state.print["ipcam"]?["ipcam_record"]?.stringValue == "enable")
        harness.send(.cameraTimelapse(enabled: true))
        #expect(harness.state.print["ipcam"]?["timelapse"]?.stringValue == "enable")
        harness.send(.cameraResolution("720p"))
        #expect(harness.state.print["ipcam"]?["resolution"]?.stringValue == "720p")
        harness.send(.cameraRecording(enabled: false))
        #expect(harness.state.print["ipcam"]?["ipcam_record"]?.stringValue == "disable")
    }

    @Test func recordingAcknowledgementEchoesTheRequest() throws {
        var harness = SimulatorHarness(.x1c)
        let answer = harness.send(.cameraRecording(enabled: true))
        let ack = answer.first { $0["camera"] != nil }
        #expect(ack?["camera"]?["command"]?.stringValue == "ipcam_record_set")
        #expect(ack?["camera"]?["result"]?.stringValue == "success")
    }

    @Test func badValuesFail() throws {
        var harness = SimulatorHarness(.x1c)
        let answer = harness.send(raw: ["camera": ["sequence_id": "7", "command": "ipcam_resolution_set", "resolution": "4k"]])
        #expect(answer.first { $0["camera"] != nil }?["camera"]?["result"]?.stringValue == "failed")
        #expect(harness.state.print["ipcam"]?["resolution"]?.stringValue == "1080p")
    }
}
