// SPDX-License-Identifier: AGPL-3.0-or-later
// A pure simulation of one Bambu Lab printer's MQTT behaviour.

package import BambuModel

/// One simulated Bambu Lab printer: requests in, reports out, time passed in.
///
/// Exists so the bridge can be developed and tested end to end without hardware: a runner feeds it the
/// payloads published on `device/<serial>/request` and publishes what it returns on
/// `device/<serial>/report`. It answers like the real model (bambu-lan.md §1.3–§3): acknowledgements that
/// echo the request, full or delta `push_status` reports depending on the model, heaters that take time,
/// jobs that move through `PREPARE` → `RUNNING` → `FINISH`, HMS entries and the Authorization Control
/// lock. It is pure: no clock (time arrives as `Duration` since any fixed origin), no I/O, no randomness,
/// so every run is reproducible.
package struct SimulatedPrinter: Sendable {
    /// The printer's display name (the runner's and console's label; not reported over MQTT).
    package let name: String
    /// The simulated model: decides hardware, report style and firmware.
    package let model: PrinterModel
    /// The serial number: the MQTT topics' `<serial>` and the `ota` module's `sn`.
    package let serial: String

    /// Model facts: report style, firmware, defaults.
    let profile: ModelProfile
    /// One heater per nozzle; index 0 = right/main on dual-nozzle printers.
    var nozzles: [SimulatedHeater]
    var bed: SimulatedHeater
    /// The chamber; it only has a target on models with a chamber heater.
    var chamber: SimulatedHeater
    /// The nozzle in use (`device.extruder.state` bits 4–7).
    var activeExtruder = 0
    /// Fan PWM 0–255 by M106 index: 1 part, 2 auxiliary, 3 chamber.
    var fans: [Int: Int] = [1: 0, 2: 0, 3: 0]
    /// `spd_lvl`: 1 silent … 4 ludicrous.
    var speedLevel = 2
    /// `lights_report`, in report order.
    var lights: [(node: String, mode: String)]
    /// The job state machine.
    var job: JobPhase = .idle
    /// Live HMS entries.
    var hms: [HMSEntry] = []
    /// Objects of the current job skipped with `skip_objects` (`s_obj`, bambu-lan.md §2.18).
    var skippedObjects: [Int] = []
    /// A `print_error` that stays until the next job or `clean_print_error` (a failed job).
    var latchedError = 0
    /// A `print_error` that shows for a few seconds (a cancel, a refused start), then clears.
    var transientError: (code: Int, until: Duration)?
    /// Authorization Control is on (`fun` bit 0x20000000).
    var signedCommandsRequired = false
    /// `home_flag` (bits 0–2 set by homing).
    var homeFlag: Int32
    /// The AMS unit and external holders.
    var ams: SimulatedAMS
    /// Raw fields set from the console, reported as given.
    var overrides = JSONObject()
    /// Camera settings (`ipcam`), changed by `camera` requests.
    var camera = SimulatedCamera()
    /// The time the simulation has reached; `nil` before the first call.
    var clock: Duration?
    /// The rolling `sequence_id` of reports.
    var sequence = 0
    /// Number of periodic pushes so far (drives the `wifi_signal` wobble).
    var pushCount = 0
    /// The body last sent to clients, the base of P1/A1 deltas; `nil` until the first report.
    var lastReported: JSONObject?
    /// Options, detectors, nozzle hardware, profiles and calibration runs (SimulatedPrinter+OptionCommands).
    var options = SimulatedOptions()

    /// Room temperature for the nozzles and the bed.
    static let ambient = 25.0
    /// Chamber temperature of an idle enclosed printer.
    static let chamberAmbient = 26.0
    /// Seconds a cancel's or a refusal's `print_error` stays visible.
    static let transientErrorDuration = Duration.seconds(5)
    /// `print_error` of a job cancelled by the user: 0300_400C "The task was canceled" (§2.5, §4.3).
    static let canceledError = 50_348_044
    /// `print_error` of a refused start: 0500_4004 "Device is busy" (§2.5).
    static let busyError = 0x0500_4004
    /// HMS 0500_0500_0001_0007 "MQTT Command verification failed" (§1.8).
    static let verificationFailed = HMSEntry(attribute: 0x0500_0500, code: 0x0001_0007)

    package init(name: String, model: PrinterModel, serial: String) {
        self.name = name
        self.model = model
        self.serial = serial
        let profile = ModelProfile(model)
        self.profile = profile
        let capabilities = model.capabilities
        let nozzle = SimulatedHeater(current: Self.ambient, dynamics: .nozzle)
        nozzles = Array(repeating: nozzle, count: max(capabilities.nozzleCount, 1))
        bed = SimulatedHeater(current: Self.ambient, dynamics: .bed)
        chamber = SimulatedHeater(current: Self.chamberAmbient, dynamics: .chamber)
        var lights: [(node: String, mode: String)] = [("chamber_light", "off")]
        if capabilities.workLight { lights.append(("work_light", "flashing")) }
        if capabilities.secondChamberLight { lights.append(("chamber_light2", "off")) }
        self.lights = lights
        homeFlag = profile.homeFlagBase
        ams = SimulatedAMS(profile: profile)
    }

    // MARK: Read-only views

    /// `gcode_state` as the next report will show it.
    package var gcodeState: String { overrides["gcode_state"]?.stringValue ?? job.gcodeState }

    /// The target temperature of each nozzle, index 0 first.
    package var nozzleTargets: [Double] { nozzles.map(\.target) }

    // MARK: Time

    /// Moves heaters towards their targets and the job forward, up to `now`.
    ///
    /// Time before the first call is not simulated, and a `now` earlier than the last one is ignored.
    /// The job's transitions and error expiries are processed at their exact moments in between.
    package mutating func advance(to now: Duration) {
        guard let start = clock else {
            clock = now
            return
        }
        guard now > start else { return }
        var time = start
        while time < now {
            var next = now
            if let transition = job.timeToNextTransition, time + transition < next { next = time + transition }
            if let error = transientError, error.until > time, error.until < next { next = error.until }
            let span = next - time
            stepHeaters(seconds: span / .seconds(1))
            ams.advance(by: span)
            switch job.advance(by: span) {
            case .finished?: turnHeatersOff()
            case .startedPrinting?, nil: break
            }
            time = next
            if let error = transientError, error.until <= time { transientError = nil }
        }
        clock = now
        finishCalibrationIfDone(at: now)
    }

    /// Integrates every heater in steps of at most 0.1 s; settled heaters are skipped.
    private mutating func stepHeaters(seconds: Double) {
        guard seconds > 0 else { return }
        let steps = Int((seconds / 0.1).rounded(.up))
        let dt = seconds / Double(steps)
        for _ in 0..<steps {
            var settled = true
            for index in nozzles.indices where !nozzles[index].isSettled(ambient: Self.ambient) {
                nozzles[index].step(seconds: dt, ambient: Self.ambient)
                settled = false
            }
            if !bed.isSettled(ambient: Self.ambient) {
                bed.step(seconds: dt, ambient: Self.ambient)
                settled = false
            }
            let chamberAmbient = self.chamberAmbient
            if !chamber.isSettled(ambient: chamberAmbient) {
                chamber.step(seconds: dt, ambient: chamberAmbient)
                settled = false
            }
            if settled { return }
        }
    }

    /// The chamber's passive goal: room temperature plus a share of the bed's heat (an enclosure warms up).
    var chamberAmbient: Double {
        Self.chamberAmbient + 0.15 * max(bed.current - Self.ambient, 0)
    }

    /// Sets every target to 0, as the end of a job does.
    mutating func turnHeatersOff() {
        for index in nozzles.indices { nozzles[index].target = 0 }
        bed.target = 0
        chamber.target = 0
    }

    // MARK: Requests

    /// Answers one request payload from `device/<serial>/request`.
    ///
    /// - Returns: The messages to publish on `device/<serial>/report`, in order: the acknowledgement (same
    ///   module key, echoed `command`/`sequence_id`, `result`, the request's own fields, `reason`), then a
    ///   status report when the command changed the state (full object on X1/H2/P2, delta on P1/A1).
    ///   `pushall` answers the full report (`msg` 0), `get_version` the version report. A payload that is
    ///   not an object with exactly one module key whose body is an object with a `command` string yields
    ///   no messages.
    package mutating func handle(request: JSONValue, at now: Duration) -> [JSONValue] {
        guard case .object(let message) = request, message.count == 1,
            let entry = message.first(where: { _ in true }), case .object(let body) = entry.value,
            let command = body["command"]?.stringValue
        else { return [] }
        let module = entry.key
        advance(to: now)
        switch (module, command) {
        case ("pushing", "pushall"):
            return [pushAll()]
        case ("info", "get_version"):
            let sequenceID: String
            switch body["sequence_id"] {
            case .string(let text)?: sequenceID = text
            case .int(let number)?: sequenceID = String(number)
            default: sequenceID = "0"
            }
            return [versionReport(sequenceID: sequenceID)]
        default:
            let before = statusBody()
            let outcome = perform(module: module, command: command, body: body, at: clock ?? now)
            var messages = [Self.acknowledgement(module: module, command: command, body: body, outcome: outcome)]
            if statusBody() != before { messages.append(periodicReport()) }
            return messages
        }
    }

    /// Applies a change made at the printer itself (the simulator's console).
    ///
    /// - Returns: A status report when the change is visible in reports, else nothing.
    package mutating func apply(_ control: SimulatorControl, at now: Duration) -> [JSONValue] {
        advance(to: now)
        let before = statusBody()
        let time = clock ?? now
        switch control {
        case .injectHMS(let attribute, let code):
            raise(HMSEntry(attribute: attribute, code: code))
        case .clearHMS:
            hms.removeAll()
        case .set(let key, let value):
            set(key: key, value: value)
        case .startJob(let file, let layers, let duration):
            if !job.isBusy { start(SimulatedJob(file: file, layers: layers, duration: duration)) }
        case .pause:
            _ = job.pause()
        case .resume:
            _ = job.resume()
        case .stop:
            _ = cancel(at: time)
        case .fail(let printError):
            if job.fail() { turnHeatersOff() }
            latchedError = printError
            transientError = nil
        case .finish:
            if job.finish() { turnHeatersOff() }
        case .requireSignedCommands(let required):
            signedCommandsRequired = required
            if !required { hms.removeAll { $0 == Self.verificationFailed } }
        }
        return statusBody() != before ? [periodicReport()] : []
    }

    /// Adds an HMS entry unless it is already raised.
    mutating func raise(_ entry: HMSEntry) {
        if !hms.contains(entry) { hms.append(entry) }
    }

    /// Starts `newJob` in `PREPARE`: clears old errors, homes, and heats to printing temperatures.
    mutating func start(_ newJob: SimulatedJob) {
        job = .preparing(newJob, elapsed: .zero)
        skippedObjects = []
        latchedError = 0
        transientError = nil
        homeFlag |= 0x7
        if nozzles[activeExtruder].target == 0 { nozzles[activeExtruder].target = 220 }
        if bed.target == 0 { bed.target = 55 }
    }

    /// Cancels the job: `FAILED` with `print_error` 0300_400C for a few seconds; `false` when idle.
    mutating func cancel(at now: Duration) -> Bool {
        guard job.fail() else { return false }
        turnHeatersOff()
        transientError = (Self.canceledError, now + Self.transientErrorDuration)
        return true
    }

    /// A console `set`: fields the simulation owns change its state, anything else becomes an override.
    private mutating func set(key: String, value: JSONValue) {
        let number = value.doubleValue.flatMap { $0.isFinite && abs($0) < 1_000_000 ? $0 : nil }
        switch (key, number) {
        case ("nozzle_temper", let number?): nozzles[activeExtruder].current = max(number, 0)
        case ("nozzle_target_temper", let number?): nozzles[activeExtruder].target = max(number, 0)
        case ("bed_temper", let number?): bed.current = max(number, 0)
        case ("bed_target_temper", let number?): bed.target = max(number, 0)
        case ("chamber_temper", let number?) where model.capabilities.chamberSensor: chamber.current = number
        case ("cooling_fan_speed", let number?): fans[1] = Self.pwm(steps: number)
        case ("big_fan1_speed", let number?): fans[2] = Self.pwm(steps: number)
        case ("big_fan2_speed", let number?): fans[3] = Self.pwm(steps: number)
        case ("spd_lvl", let number?) where (1...4).contains(number): speedLevel = Int(number)
        case ("home_flag", let number?): homeFlag = Int32(truncatingIfNeeded: Int(number))
        case ("print_error", let number?):
            latchedError = Int(number)
            transientError = nil
        case ("command", _), ("msg", _), ("sequence_id", _):
            break  // the envelope is the simulator's own
        default:
            // Not a ternary: `nil` there would become `JSONValue.null` (JSONValue is nil-literal convertible).
            if value == .null {
                overrides[key] = nil
            } else {
                overrides[key] = value
            }
        }
    }

    /// PWM 0–255 for a classic 0–15 step value.
    static func pwm(steps: Double) -> Int {
        Int((min(max(steps, 0), 15) / 15 * 255).rounded())
    }
}
