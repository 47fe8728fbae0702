// SPDX-License-Identifier: AGPL-3.0-or-later
// What the simulated printer does with each request, and how it acknowledges it.

import BambuModel

/// The result of one command, as its acknowledgement reports it.
///
/// Exists so command handlers say only whether they worked and why not; the acknowledgement's shape
/// (bambu-lan.md §1.3) is built in one place.
enum CommandOutcome: Equatable {
    case success
    case failed(reason: String)
}

extension SimulatedPrinter {
    /// Runs one request (not `pushall` / `get_version`, which `handle` answers directly).
    ///
    /// Commands follow bambu-lan.md §3. Unknown commands succeed without effect, as printers that ignore
    /// them still acknowledge. Under Authorization Control every `print` command fails and raises the
    /// verification HMS (§1.8); `system` (`ledctrl`), `info` and `pushing` keep working.
    mutating func perform(module: String, command: String, body: JSONObject, at now: Duration) -> CommandOutcome {
        if signedCommandsRequired && module == "print" {
            raise(Self.verificationFailed)
            return .failed(reason: "mqtt message verify failed")
        }
        switch (module, command) {
        case ("print", "gcode_line"):
            for instruction in GCodeInstruction.parse(body["param"]?.stringValue ?? "") { execute(instruction) }
            return .success
        case ("print", "print_speed"):
            // §3.6: param "1" silent … "4" ludicrous; other values are ignored.
            if let level = body["param"]?.intValue, (1...4).contains(level) { speedLevel = level }
            return .success
        case ("print", "set_ctt"):
            if let target = body["ctt_val"]?.doubleValue { setChamberTarget(target) }
            return .success
        case ("print", "set_nozzle_temp"):
            guard let target = body["target_temp"]?.doubleValue else { return .success }
            return setNozzleTarget(target, extruder: body["extruder_index"]?.intValue)
                ? .success : .failed(reason: "invalid extruder index")
        case ("print", "select_extruder"):
            guard let index = body["extruder_index"]?.intValue, nozzles.indices.contains(index) else {
                return .failed(reason: "invalid extruder index")
            }
            activeExtruder = index
            return .success
        case ("system", "ledctrl"):
            return setLight(node: body["led_node"]?.stringValue, mode: body["led_mode"]?.stringValue)
        case ("print", "pause"):
            if case .paused = job { return .success }
            return job.pause() ? .success : .failed(reason: "the printer is not printing")
        case ("print", "resume"):
            if case .running = job { return .success }
            return job.resume() ? .success : .failed(reason: "the printer is not paused")
        case ("print", "stop"):
            return cancel(at: now) ? .success : .failed(reason: "the printer is not printing")
        case ("print", "project_file"):
            return startProject(body, at: now)
        case ("camera", _):
            return performCamera(command: command, body: body)
        case ("print", "skip_objects"):
            return skipObjects(body["obj_list"])
        case ("print", "clean_print_error"):
            latchedError = 0
            transientError = nil
            return .success
        case ("print", let name) where name.hasPrefix("ams_"):
            return performAMS(command: name, body: body)
        default:
            return performOption(module: module, command: command, body: body, at: now) ?? .success
        }
    }

    /// The acknowledgement: `command`, echoed `sequence_id`, `result`, the request's other fields, `reason`.
    static func acknowledgement(
        module: String, command: String, body: JSONObject, outcome: CommandOutcome
    ) -> JSONValue {
        var ack = JSONObject()
        ack["command"] = .string(command)
        if let sequenceID = body["sequence_id"] { ack["sequence_id"] = sequenceID }
        let reason: String
        switch outcome {
        case .success:
            ack["result"] = "success"
            reason = ""
        case .failed(let why):
            ack["result"] = "failed"
            reason = why
        }
        for (key, value) in body where !["command", "sequence_id", "result", "reason"].contains(key) {
            ack[key] = value
        }
        ack["reason"] = .string(reason)
        var message = JSONObject()
        message[module] = .object(ack)
        return .object(message)
    }

    // MARK: Handlers

    /// One G-code line's effect (§3.3–3.5); lines for hardware the model lacks are ignored.
    private mutating func execute(_ instruction: GCodeInstruction) {
        let capabilities = model.capabilities
        switch instruction {
        case .nozzleTarget(let target, let extruder):
            // `T` picks the extruder only on dual-nozzle printers; elsewhere M104 sets the active nozzle.
            _ = setNozzleTarget(target, extruder: nozzles.count > 1 ? extruder : nil)
        case .bedTarget(let target):
            bed.target = min(max(target, 0), 120)
        case .chamberTarget(let target):
            setChamberTarget(target)
        case .fan(let index, let pwm):
            switch index {
            case 1: fans[1] = pwm
            case 2 where capabilities.auxiliaryFan: fans[2] = pwm
            case 3 where capabilities.chamberFan: fans[3] = pwm
            default: break
            }
        case .home(let x, let y, let z):
            homeFlag |= (x ? 0x1 : 0) | (y ? 0x2 : 0) | (z ? 0x4 : 0)
        }
    }

    /// Sets a nozzle target (the active nozzle when `extruder` is `nil`); `false` for an unknown extruder.
    private mutating func setNozzleTarget(_ target: Double, extruder: Int?) -> Bool {
        let index = extruder ?? activeExtruder
        guard nozzles.indices.contains(index) else { return false }
        nozzles[index].target = min(max(target, 0), 350)
        return true
    }

    /// Sets the chamber target on models with a chamber heater; others have nothing to set.
    private mutating func setChamberTarget(_ target: Double) {
        guard model.capabilities.chamberHeater else { return }
        chamber.target = min(max(target, 0), 65)
    }

    /// `ledctrl` (§3.7): switches a reported node; `heatbed_light` and unknown nodes are accepted silently.
    private mutating func setLight(node: String?, mode: String?) -> CommandOutcome {
        guard let mode, ["on", "off", "flashing"].contains(mode) else { return .failed(reason: "invalid led_mode") }
        if let node, let index = lights.firstIndex(where: { $0.node == node }) { lights[index].mode = mode }
        return .success
    }

    /// `project_file` (§3.2): refused while a job occupies the printer (0500_4004 "Device is busy", §2.5).
    private mutating func startProject(_ body: JSONObject, at now: Duration) -> CommandOutcome {
        guard !job.isBusy else {
            transientError = (Self.busyError, now + Self.transientErrorDuration)
            return .failed(reason: "device is busy")
        }
        func text(_ key: String) -> String? {
            guard let value = body[key]?.stringValue, !value.isEmpty else { return nil }
            return value
        }
        let file = text("file") ?? text("url").map(Self.path(ofURL:)) ?? text("param") ?? "unnamed.gcode.3mf"
        start(SimulatedJob(file: file, name: text("subtask_name"), layers: 50, duration: .seconds(120)))
        return .success
    }

    /// `skip_objects` (§3.8): adds the ids to `s_obj`; refused when no job runs or the list is not ids.
    private mutating func skipObjects(_ list: JSONValue?) -> CommandOutcome {
        guard job.isBusy else { return .failed(reason: "the printer is not printing") }
        guard let ids = list?.arrayValue?.compactMap(\.intValue), !ids.isEmpty else {
            return .failed(reason: "obj_list must list object ids")
        }
        for id in ids where !skippedObjects.contains(id) { skippedObjects.append(id) }
        return .success
    }

    /// The path of `ftp:///cache/a.3mf` or `file:///sdcard/a.3mf` (everything after `://`).
    private static func path(ofURL url: String) -> String {
        guard let range = url.firstRange(of: "://") else { return url }
        return String(url[range.upperBound...])
    }
}
