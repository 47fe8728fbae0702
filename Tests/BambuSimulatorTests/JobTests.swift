// SPDX-License-Identifier: AGPL-3.0-or-later
// Print jobs: start, progress, finish, pause/resume/stop, refused starts, screen-side changes.

import BambuModel
import BambuSimulator
import Testing

@Suite struct JobTests {
    /// A `project_file` request as peers send it (bambu-lan.md §3.2), without the optional fields.
    static func projectFile(_ file: String, name: String? = nil) -> JSONValue {
        var body: JSONObject = ["sequence_id": "20000", "command": "project_file", "param": "Metadata/plate_1.gcode"]
        body["url"] = .string("ftp:///" + file)
        body["file"] = .string(file)
        if let name { body["subtask_name"] = .string(name) }
        body["use_ams"] = true
        return ["print": .object(body)]
    }

    @Test(arguments: [PrinterModel.x1c, .p1s, .a1, .h2d])
    func projectFileRunsThroughPrepareRunningFinish(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        let answer = harness.send(raw: Self.projectFile("cube.gcode.3mf"))
        #expect(answer.count == 2)
        let ack = try #require(answer.first?["print"])
        #expect(ack["command"] == "project_file" && ack["sequence_id"] == "20000")
        #expect(ack["result"] == "success" && ack["reason"] == "" && ack["file"] == "cube.gcode.3mf")

        #expect(harness.state.gcodeState == "PREPARE")
        #expect(harness.state.subtaskName == "cube")
        #expect(harness.state.gcodeFile == "cube.gcode.3mf")
        #expect(harness.state.totalLayers == 50)
        #expect(harness.state.progressPercent == 0)
        #expect(harness.state.remainingMinutes == 2)
        #expect(harness.state.stage == 2)
        #expect(harness.state.nozzleTemperatures.first?.target == 220)

        let started = try #require(harness.run(upTo: 5) { $0.gcodeState == "RUNNING" })
        #expect(started == 3)
        #expect(harness.state.stage == 0)

        var progress: [Int] = []
        var layers: [Int] = []
        for _ in 0..<60 {
            harness.run(seconds: 1)
            progress.append(try #require(harness.state.progressPercent))
            layers.append(try #require(harness.state.layer))
        }
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(zip(layers, layers.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(progress.last == 50)
        #expect(layers.last == 26)
        #expect(harness.state.remainingMinutes == 1)
        #expect(harness.state.gcodeState == "RUNNING")

        let finished = try #require(harness.run(upTo: 70) { $0.gcodeState == "FINISH" })
        #expect(finished == 60)
        #expect(harness.state.progressPercent == 100)
        #expect(harness.state.layer == 50)
        #expect(harness.state.remainingMinutes == 0)
        #expect(harness.state.stage == (model == .x1c || model == .h2d ? -1 : 255))
        #expect(harness.state.nozzleTemperatures.allSatisfy { $0.target == 0 })
        #expect(harness.state.subtaskName == "cube")
    }

    @Test func subtaskNameFromTheRequestWins() throws {
        var harness = SimulatorHarness(.p1s)
        harness.send(raw: Self.projectFile("cache/plate.3mf", name: "My Part"))
        #expect(harness.state.subtaskName == "My Part")
        #expect(harness.state.gcodeFile == "cache/plate.3mf")
    }

    @Test func pauseResumeStop() throws {
        var harness = SimulatorHarness(.x1c)
        harness.send(raw: Self.projectFile("cube.3mf"))
        harness.run(seconds: 33)
        #expect(harness.state.progressPercent == 25)

        let pause = harness.send(.pause)
        #expect(
            pause.first == [
                "print": [
                    "command": "pause", "sequence_id": "103", "result": "success", "param": "",
                    "reason": "",
                ]
            ])
        #expect(harness.state.gcodeState == "PAUSE")
        #expect(harness.state.stage == 16)
        harness.run(seconds: 20)
        #expect(harness.state.progressPercent == 25)
        #expect(harness.send(.pause).count == 1)  // already paused: acknowledged, nothing changes

        harness.send(.resume)
        #expect(harness.state.gcodeState == "RUNNING")
        harness.run(seconds: 12)
        #expect(harness.state.progressPercent == 35)

        let stop = harness.send(.stop)
        #expect(stop.first?["print"]?["result"] == "success")
        #expect(harness.state.gcodeState == "FAILED")
        #expect(harness.state.printError == 50_348_044)
        #expect(PrintErrorCode(rawValue: harness.state.printError).displayCode == "0300_400C")
        harness.run(seconds: 6)
        #expect(harness.state.printError == 0)
        #expect(harness.state.gcodeState == "FAILED")
        #expect(harness.state.progressPercent == 35)
    }

    @Test func controlCommandsWithoutAJobAreRefused() throws {
        var harness = SimulatorHarness(.a1)
        let pause = harness.send(.pause)
        #expect(
            pause == [
                [
                    "print": [
                        "command": "pause", "sequence_id": "103", "result": "failed", "param": "",
                        "reason": "the printer is not printing",
                    ]
                ]
            ])
        let resume = harness.send(.resume)
        #expect(resume.first?["print"]?["reason"] == "the printer is not paused")
        let stop = harness.send(.stop)
        #expect(
            stop == [
                [
                    "print": [
                        "command": "stop", "sequence_id": "105", "result": "failed", "param": "",
                        "reason": "the printer is not printing",
                    ]
                ]
            ])
        #expect(harness.state.gcodeState == "IDLE")
    }

    @Test func busyStartIsRefused() throws {
        var harness = SimulatorHarness(.p1s)
        harness.send(raw: Self.projectFile("first.3mf"))
        harness.run(seconds: 5)
        let answer = harness.send(raw: Self.projectFile("second.3mf"))
        let ack = try #require(answer.first?["print"])
        #expect(ack["result"] == "failed")
        #expect(ack["reason"] == "device is busy")
        #expect(answer.count == 2)
        #expect(harness.state.printError == 83_902_468)
        #expect(harness.state.gcodeState == "RUNNING")
        #expect(harness.state.subtaskName == "first")
        harness.run(seconds: 5)
        #expect(harness.state.printError == 0)

        harness.run(seconds: 120)
        #expect(harness.state.gcodeState == "FINISH")
        harness.send(raw: Self.projectFile("second.3mf"))
        #expect(harness.state.gcodeState == "PREPARE")
        #expect(harness.state.subtaskName == "second")
    }

    @Test func skipObjectsNeedsAJobAndShowsInSObj() throws {
        var harness = SimulatorHarness(.x1c)
        let idle = harness.send(.skipObjects([101]))
        #expect(
            idle.first
                == [
                    "print": [
                        "command": "skip_objects", "sequence_id": "103", "result": "failed", "obj_list": [101],
                        "reason": "the printer is not printing",
                    ]
                ])
        #expect(harness.state.skippedObjects.isEmpty)
        harness.send(raw: Self.projectFile("Benchy.gcode.3mf"))
        harness.run(seconds: 2)
        let accepted = harness.send(.skipObjects([202]))
        #expect(accepted.first?["print"]?["result"] == "success")
        #expect(harness.state.skippedObjects == [202])
        harness.send(.skipObjects([202, 101]))
        harness.run(seconds: 1)
        #expect(harness.state.skippedObjects == [202, 101])
        let empty = harness.send(raw: ["print": ["sequence_id": "9", "command": "skip_objects", "obj_list": []]])
        #expect(empty.first?["print"]?["reason"] == "obj_list must list object ids")
        // A new job starts with nothing skipped.
        harness.run(seconds: 200)
        harness.send(raw: Self.projectFile("Cube.gcode.3mf"))
        harness.run(seconds: 1)
        #expect(harness.state.skippedObjects.isEmpty)
    }

    @Test func jobsFromThePrintersScreen() throws {
        var harness = SimulatorHarness(.h2d)
        #expect(harness.control(.pause).isEmpty)
        harness.control(.startJob(file: "/sdcard/benchy.gcode.3mf", layers: 10, duration: .seconds(60)))
        #expect(harness.state.gcodeState == "PREPARE")
        #expect(harness.state.subtaskName == "benchy")
        #expect(harness.state.totalLayers == 10)
        #expect(harness.control(.startJob(file: "other.3mf", layers: 1, duration: .seconds(1))).isEmpty)

        harness.run(seconds: 33)
        #expect(harness.state.gcodeState == "RUNNING")
        #expect(harness.state.progressPercent == 50)
        #expect(harness.state.layer == 6)
        harness.control(.pause)
        #expect(harness.state.gcodeState == "PAUSE")
        harness.control(.resume)
        #expect(harness.state.gcodeState == "RUNNING")
        harness.control(.finish)
        #expect(harness.state.gcodeState == "FINISH")
        #expect(harness.state.progressPercent == 100)

        harness.control(.startJob(file: "b.3mf", layers: 5, duration: .seconds(30)))
        harness.run(seconds: 10)
        harness.control(.fail(printError: 117_473_286))
        #expect(harness.state.gcodeState == "FAILED")
        harness.run(seconds: 10)
        #expect(PrintErrorCode(rawValue: harness.state.printError).displayCode == "0700_8006")

        harness.send(raw: Self.projectFile("c.3mf"))
        #expect(harness.state.printError == 0)
        harness.run(seconds: 10)
        harness.control(.stop)
        #expect(harness.state.gcodeState == "FAILED")
        #expect(harness.state.printError == 50_348_044)
        #expect(harness.printer.gcodeState == "FAILED")
    }
}
