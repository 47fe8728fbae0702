// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulator confirms option, detector, nozzle, profile and calibration requests in its reports.

import BambuModel
import Testing

@Suite struct SimulatorOptionTests {
    @Test func printOptionsFlipHomeFlagBits() {
        var sim = SimulatorHarness(.x1c)
        #expect(sim.state.homeFlag(.autoRecovery) == true)
        sim.send(.printOption(.autoRecovery(false)))
        sim.send(.printOption(.sound(true)))
        sim.send(.printOption(.autoSwitchFilament(false)))
        #expect(sim.state.homeFlag(.autoRecovery) == false)
        #expect(sim.state.homeFlag(.sound) == true)
        #expect(sim.state.homeFlag(.autoSwitchFilament) == false)
    }

    @Test func detectorsShowInXcam() {
        var sim = SimulatorHarness(.h2d)
        sim.send(.cameraDetector(.printingMonitor, enabled: true, sensitivity: "high"))
        sim.send(.cameraDetector(.pileup, enabled: true, sensitivity: "low"))
        sim.send(.cameraDetector(.buildplateMarker, enabled: false, sensitivity: nil))
        #expect(sim.state.detector(.printingMonitor) == DetectorState(enabled: true, sensitivity: "high"))
        #expect(sim.state.detector(.pileup) == DetectorState(enabled: true, sensitivity: "low"))
        #expect(sim.state.detector(.buildplateMarker) == DetectorState(enabled: false, sensitivity: nil))
        #expect(sim.state.detector(.clump) == DetectorState(enabled: false, sensitivity: "low"))
    }

    @Test func legacyModelReportsTheMarkerOnly() {
        var sim = SimulatorHarness(.a1)
        sim.send(.cameraDetector(.buildplateMarker, enabled: false, sensitivity: nil))
        sim.run(seconds: 1)
        #expect(sim.state.detector(.buildplateMarker) == DetectorState(enabled: false, sensitivity: nil))
        #expect(sim.state.cameraConfig == nil)
    }

    @Test func nozzleHardware() {
        var single = SimulatorHarness(.x1c)
        single.send(.setAccessories(nozzleDiameter: 0.6, nozzleType: "stainless_steel"))
        #expect(single.state.nozzles == [NozzleHardware(id: 0, type: "stainless_steel", diameter: "0.6")])
        var dual = SimulatorHarness(.h2d)
        dual.send(.setNozzle(id: 1, type: "HH01", diameter: 0.8))
        #expect(
            dual.state.nozzles == [
                NozzleHardware(id: 0, type: "HS01", diameter: "0.4"), NozzleHardware(id: 1, type: "HH01", diameter: "0.8"),
            ])
    }

    @Test func profileSelectionSetsCaliIdx() {
        var sim = SimulatorHarness(.x1c)
        #expect(sim.state.calibrationIndex(trayID: 2) == -1)
        sim.send(.selectExtrusionCalibration(trayID: 2, calibrationIndex: 667, filamentID: "GFG02", nozzleDiameter: "0.4"))
        #expect(sim.state.calibrationIndex(trayID: 2) == 667)
        #expect(sim.state.calibrationIndex(trayID: 1) == -1)
    }

    @Test func calibrationRunsItsStagesThenIdles() {
        var sim = SimulatorHarness(.x1c)
        sim.send(.calibration(option: 6))
        var stages: [Int] = []
        if let stage = sim.state.stage { stages.append(stage) }
        for _ in 0..<8 {
            sim.run(seconds: 1)
            if let stage = sim.state.stage, stages.last != stage { stages.append(stage) }
        }
        #expect(stages == [13, 1, 3, -1])
        #expect(sim.state.gcodeState == "IDLE")
    }
}
