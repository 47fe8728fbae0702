// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer's merged report state and the values derived from it.

/// Everything the printer has told us: the merged `print` object and the last `get_version` modules.
///
/// Exists because Bambu reports are patches (bambu-lan.md §2.1): the state is only known by
/// merging every report into one tree, and the Marlin side needs typed values (temperatures, fans,
/// job progress, AMS) read leniently from that tree whatever the model and firmware generation.
/// The tree is kept untyped so unknown fields survive for diagnostics; the accessors below never
/// trap and return `nil` or empty values when data is missing or oddly typed.
package struct PrinterState: Sendable, Equatable {
    /// The merged `print` object.
    package private(set) var print: JSONObject {
        didSet { unchanged.forgetPrint() }  // changed outside the tape merge, which keeps `unchanged` itself
    }
    /// `info.module` from the last `get_version` answer (bambu-lan.md §2.17).
    package private(set) var versionModules: [JSONValue] {
        didSet { unchanged.forgetInfo() }
    }
    /// What the parser keeps between this printer's reports (strings and sizes that repeat).
    private var parseCache: JSONParseCache
    /// The members of the last reports that `print` and `versionModules` hold byte for byte.
    private var unchanged = UnchangedMembers()

    /// How many report members the next reports may leave unread (see `UnchangedMembers`).
    package var unchangedMemberCount: Int { unchanged.count }

    package init() {
        print = JSONObject()
        versionModules = []
        parseCache = JSONParseCache()
    }

    /// States are equal when they hold the same reports (the parser's cache is not part of the state).
    package static func == (lhs: PrinterState, rhs: PrinterState) -> Bool {
        lhs.print == rhs.print && lhs.versionModules == rhs.versionModules
    }

    /// Swaps this state's parser cache with `cache`.
    ///
    /// Lets a daemon keep a few caches for all its printers instead of one each (a 20 KB table per
    /// printer; BENCHMARKS.md, benchmark 3): reports repeat the same keys whichever printer sent them.
    /// A cache only saves work; any cache, from any printer, gives the same state.
    package mutating func exchangeParseCache(_ cache: inout JSONParseCache) {
        swap(&parseCache, &cache)
    }

    /// Parses one MQTT report message (as received) and merges it like `apply(_:)`.
    ///
    /// Same result as `apply(try JSONValue(parsing: bytes))`, but faster on a stream of one printer's
    /// reports. The text is scanned whole first, so malformed input changes nothing; then a status
    /// body is merged straight from the scan (`ReportMerge.apply(tapeObjectAt:_:to:)`), building
    /// values only where the state changes, with strings reused from earlier reports. A text the scan
    /// leaves to the plain parser (escaped or non-ASCII keys, a repeated key) is parsed and applied.
    ///
    /// - Throws: `JSONParseError` when `bytes` is not one JSON text.
    package mutating func ingest(_ bytes: [UInt8]) throws(JSONParseError) -> [ReportKind] {
        var merged = print
        var memo = UnchangedMembers()
        swap(&memo, &unchanged)  // kept apart: `print`'s observer below empties `unchanged`
        print = JSONObject()  // `merged` holds the only reference, so the merge edits it in place
        let modules = bytes.withUnsafeBufferPointer { buffer in
            JSONParser.withTape(buffer, cache: &parseCache, unchanged: &memo) { parser, memo in
                Self.mergeStatus(&parser, into: &merged, versionModules: versionModules, unchanged: &memo)
            }
        }
        print = merged
        swap(&memo, &unchanged)
        guard let modules else {
            // Not JSON (the plain parser throws its error), or a text the scan does not handle.
            let message = try JSONValue(parsing: bytes, cache: &parseCache)
            return apply(message)
        }
        return modules.map { module in
            switch module {
            case .status: .status
            case .sameVersion: .version
            case .other(let name, let body): apply(module: name, body: body)
            case .ignored: .ignored
            }
        }
    }

    /// One module entry of a message read from the tape.
    private enum TapeModule {
        /// A status body, already merged.
        case status
        /// A `get_version` answer listing exactly the modules already stored (nothing to change).
        case sameVersion
        /// Any other entry, built, for `apply(module:body:)`.
        case other(module: String, body: JSONValue)
        /// The message is not an object, or an empty one.
        case ignored
    }

    /// Merges the status bodies of the message on the tape into `print`; the other entries are built,
    /// except a `get_version` answer that repeats `versionModules` exactly.
    private static func mergeStatus(
        _ parser: inout JSONParser, into print: inout JSONObject, versionModules: [JSONValue],
        unchanged: inout UnchangedMembers
    ) -> [TapeModule] {
        guard parser.tokenKind(at: 0) == .object, parser.containerCount(at: 0) > 0 else { return [.ignored] }
        var modules: [TapeModule] = []
        var key = 1
        for _ in 0..<parser.containerCount(at: 0) {
            let body = key + 1
            if parser.key(at: key, is: "print"), parser.tokenKind(at: body) == .object, isStatus(body, &parser) {
                ReportMerge.apply(tapeObjectAt: body, &parser, to: &print, unchanged: &unchanged)
                modules.append(.status)
            } else if parser.key(at: key, is: "info"), isSameVersion(body, &parser, as: versionModules, unchanged: &unchanged) {
                modules.append(.sameVersion)
            } else {
                modules.append(.other(module: parser.keyString(at: key), body: parser.value(at: body)))
            }
            key = parser.valueEnd(at: body)
        }
        return modules
    }

    /// Whether the `info` body at `body` is a `get_version` answer whose `module` array is exactly
    /// `stored`: `apply(module:body:)` would store an identical array and answer `.version`.
    ///
    /// A `module` array left unread is one `unchanged` remembers as `stored`; one found identical is
    /// remembered.
    private static func isSameVersion(
        _ body: Int, _ parser: inout JSONParser, as stored: [JSONValue], unchanged: inout UnchangedMembers
    ) -> Bool {
        guard parser.tokenKind(at: body) == .object, let command = parser.member("command", ofObjectAt: body),
            parser.scalar(at: command, isIdenticalTo: .string("get_version")),
            let modules = parser.member("module", ofObjectAt: body)
        else { return false }
        if parser.tokenKind(at: modules) == .unchanged { return true }
        guard parser.tokenKind(at: modules) == .array, parser.value(at: modules, isIdenticalTo: .array(stored)) else {
            return false
        }
        if let entry = parser.unchangedEntry(forValueAt: modules, of: .info, storedPosition: 0) { unchanged.record(entry) }
        return true
    }

    /// Whether the `print` body at `body` is a status report: no `command`, or `push_status`.
    private static func isStatus(_ body: Int, _ parser: inout JSONParser) -> Bool {
        guard let command = parser.member("command", ofObjectAt: body) else { return true }
        return parser.value(at: command) == .string("push_status")
    }

    /// Merges one MQTT report message (the whole `{"print":{...}}` / `{"info":{...}}` object).
    ///
    /// `print` push_status bodies (or `print` bodies without `command`) are merged; `info`
    /// get_version answers replace `versionModules`; any other module message with a `command` is an
    /// acknowledgement and changes nothing.
    ///
    /// - Returns: One kind per module key in the message, or `[.ignored]` for a non-object or empty one.
    package mutating func apply(_ message: JSONValue) -> [ReportKind] {
        guard case .object(let modules) = message, !modules.isEmpty else { return [.ignored] }
        var kinds: [ReportKind] = []
        kinds.reserveCapacity(modules.count)
        for (module, value) in modules {
            kinds.append(apply(module: module, body: value))
        }
        return kinds
    }

    private mutating func apply(module: String, body value: JSONValue) -> ReportKind {
        guard case .object(let body) = value else { return .ignored }
        let commandValue = body["command"]
        let command = commandValue?.stringValue
        if commandValue != nil && command == nil { return .ignored }
        switch (module, command) {
        case ("print", nil), ("print", "push_status"):
            ReportMerge.apply(body, to: &print)
            return .status
        case ("info", "get_version"):
            if let modules = body["module"]?.arrayValue {
                versionModules = modules
                return .version
            }
            return .acknowledgement(Self.acknowledgement(module: module, command: "get_version", body: body))
        case (_, let command?):
            return .acknowledgement(Self.acknowledgement(module: module, command: command, body: body))
        default:
            return .ignored
        }
    }

    private static func acknowledgement(module: String, command: String, body: JSONObject) -> CommandAcknowledgement {
        let sequence: String?
        switch body["sequence_id"] {
        case .string(let text)?: sequence = text
        case .int(let number)?: sequence = String(number)
        default: sequence = nil
        }
        return CommandAcknowledgement(
            module: module,
            command: command,
            sequenceID: sequence,
            result: body["result"]?.stringValue,
            reason: body["reason"]?.stringValue
        )
    }
}

// MARK: - Temperatures (bambu-lan.md §2.2, §2.3)

extension PrinterState {
    /// Nozzle temperatures, one per extruder in id order (index 0 = right/main on dual-nozzle printers).
    ///
    /// From the packed `device.extruder.info[].temp` when that block has entries, else the classic
    /// `nozzle_temper` / `nozzle_target_temper`, else empty.
    package var nozzleTemperatures: [Temperature] {
        let extruders = (print["device"]?["extruder"]?["info"]?.arrayValue ?? [])
            .compactMap { entry -> (id: Int, temperature: Temperature)? in
                guard let id = entry["id"]?.intValue, let packed = entry["temp"]?.intValue else { return nil }
                return (id, Temperature(packed: packed))
            }
        if !extruders.isEmpty {
            return extruders.sorted { $0.id < $1.id }.map(\.temperature)
        }
        if let current = print["nozzle_temper"]?.doubleValue {
            return [Temperature(current: current, target: print["nozzle_target_temper"]?.doubleValue ?? 0)]
        }
        return []
    }

    /// The bed: `bed_temper` / `bed_target_temper`, else the packed `device.bed.info.temp` or `device.bed_temp`.
    package var bedTemperature: Temperature? {
        if let current = print["bed_temper"]?.doubleValue {
            return Temperature(current: current, target: print["bed_target_temper"]?.doubleValue ?? 0)
        }
        let device = print["device"]
        if let packed = device?["bed"]?["info"]?["temp"]?.intValue ?? device?["bed_temp"]?.intValue {
            return Temperature(packed: packed)
        }
        return nil
    }

    /// The chamber: packed `device.ctc.info.temp` (or `device.cham_temp`), else `chamber_temper` with target 0.
    ///
    /// P1/A1 report a constant placeholder (5 °C) in `chamber_temper`; callers that care check the
    /// model's `chamberSensor` capability.
    package var chamberTemperature: Temperature? {
        let device = print["device"]
        if let packed = device?["ctc"]?["info"]?["temp"]?.intValue ?? device?["cham_temp"]?.intValue {
            return Temperature(packed: packed)
        }
        if let current = print["chamber_temper"]?.doubleValue {
            return Temperature(current: current, target: 0)
        }
        return nil
    }

    /// The active extruder: `(device.extruder.state >> 4) & 0xF` when that is a known nozzle, else 0.
    package var activeExtruder: Int {
        guard let state = print["device"]?["extruder"]?["state"]?.intValue else { return 0 }
        let active = (state >> 4) & 0xF
        return active < nozzleTemperatures.count ? active : 0
    }
}

// MARK: - Job (bambu-lan.md §2.4, §2.16)

extension PrinterState {
    /// `gcode_state`: `IDLE`, `PREPARE`, `RUNNING`, `PAUSE`, `FINISH`, `FAILED`…
    package var gcodeState: String? { print["gcode_state"]?.stringValue }

    /// `mc_percent`: job progress 0–100.
    package var progressPercent: Int? { print["mc_percent"]?.intValue }

    /// `mc_remaining_time`: minutes left.
    package var remainingMinutes: Int? { print["mc_remaining_time"]?.intValue }

    /// `layer_num`: the current layer.
    package var layer: Int? { print["layer_num"]?.intValue }

    /// `total_layer_num`: the job's layer count.
    package var totalLayers: Int? { print["total_layer_num"]?.intValue }

    /// The current stage id: `stg_cur`, else newer firmware's `stage._id` (-1 or 255 = idle).
    package var stage: Int? { print["stg_cur"]?.intValue ?? print["stage"]?["_id"]?.intValue }

    /// `subtask_name`: the job name.
    package var subtaskName: String? { print["subtask_name"]?.stringValue }

    /// `gcode_file`: the file being printed.
    package var gcodeFile: String? { print["gcode_file"]?.stringValue }

    /// `s_obj`: ids of the job's objects already skipped (bambu-lan.md §2.18).
    package var skippedObjects: [Int] { print["s_obj"]?.arrayValue?.compactMap(\.intValue) ?? [] }

    /// `print_error`, or 0 when absent (bambu-lan.md §4.3).
    package var printError: Int { print["print_error"]?.intValue ?? 0 }

    /// `spd_lvl`: 1 silent, 2 standard, 3 sport, 4 ludicrous.
    package var speedLevel: Int? { print["spd_lvl"]?.intValue }

    /// `spd_mag`: the resulting speed in percent.
    package var speedPercent: Int? { print["spd_mag"]?.intValue }
}

// MARK: - Fans and lights (bambu-lan.md §2.6, §2.8)

extension PrinterState {
    /// A fan's speed in percent, from the most specific encoding the printer sends.
    ///
    /// Airduct printers' `device.airduct.parts[]` (ids 16 part, 32 aux, 48 chamber; already percent)
    /// win, then `fan_gear` bytes (bits 0–7 part, 8–15 aux, 16–23 chamber; 0–255), then the classic
    /// 0–15 strings converted with BambuStudio's formula `floor(v / 1.5) * 10`.
    package func fanPercent(_ fan: Fan) -> Int? {
        let airductID: Int?
        let gearShift: Int?
        let classicKey: String
        switch fan {
        case .part: (airductID, gearShift, classicKey) = (16, 0, "cooling_fan_speed")
        case .auxiliary: (airductID, gearShift, classicKey) = (32, 8, "big_fan1_speed")
        case .chamber: (airductID, gearShift, classicKey) = (48, 16, "big_fan2_speed")
        case .heatbreak: (airductID, gearShift, classicKey) = (nil, nil, "heatbreak_fan_speed")
        }
        if let airductID, let parts = print["device"]?["airduct"]?["parts"]?.arrayValue,
            let part = parts.first(where: { $0["id"]?.intValue == airductID }),
            let state = part["state"]?.intValue
        {
            return state
        }
        if let gearShift, let gear = print["fan_gear"]?.intValue {
            let byte = (gear >> gearShift) & 0xFF
            return Int((Double(byte) / 255 * 100).rounded())
        }
        guard let steps = print[classicKey]?.intValue else { return nil }
        return min(max(steps, 0), 15) * 2 / 3 * 10
    }

    /// `lights_report`: node (`chamber_light`, `work_light`, `chamber_light2`) → mode (`on`, `off`, `flashing`).
    package var lights: [String: String] {
        var result: [String: String] = [:]
        for entry in print["lights_report"]?.arrayValue ?? [] {
            if let node = entry["node"]?.stringValue, let mode = entry["mode"]?.stringValue { result[node] = mode }
        }
        return result
    }
}

// MARK: - HMS, AMS, hardware (bambu-lan.md §2.9–2.13, §1.8)

extension PrinterState {
    /// Live HMS messages: `hms[]` entries with non-zero `attr` and `code` (as HA filters them).
    package var hms: [HMSEntry] {
        (print["hms"]?.arrayValue ?? []).compactMap(HMSEntry.init).filter { $0.attribute != 0 && $0.code != 0 }
    }

    /// AMS units from `ams.ams[]`, sorted by id.
    package var amsUnits: [AMSUnit] {
        (print["ams"]?["ams"]?.arrayValue ?? []).compactMap(AMSUnit.init).sorted { $0.id < $1.id }
    }

    /// External spool holders: `vir_slot[]` (sorted by id) when present, else the single `vt_tray`.
    package var externalSpools: [AMSTray] {
        if let slots = print["vir_slot"]?.arrayValue, !slots.isEmpty {
            return slots.compactMap(AMSTray.init).sorted { $0.id < $1.id }
        }
        if let tray = print["vt_tray"].flatMap(AMSTray.init) { return [tray] }
        return []
    }

    /// `ams.tray_now`: the loaded global tray id (255 none, 254 external).
    package var trayNow: Int? { print["ams"]?["tray_now"]?.intValue }

    /// The filament at each nozzle, index 0 first (0 = right/main on two-nozzle printers); `nil` = none.
    ///
    /// Two-nozzle printers report it per extruder in `device.extruder.info[].snow`; the others in
    /// `ams.tray_now` (bambu-lan.md §2.3, §2.12). Empty when the printer reported neither.
    package var loadedFilament: [FilamentSource?] {
        let extruders = (print["device"]?["extruder"]?["info"]?.arrayValue ?? [])
            .compactMap { entry -> (id: Int, slot: Int)? in
                guard let id = entry["id"]?.intValue, let slot = entry["snow"]?.intValue else { return nil }
                return (id, slot)
            }
        if extruders.count > 1 {
            return extruders.sorted { $0.id < $1.id }.map { FilamentSource(packed: $0.slot) }
        }
        guard let trayNow else { return [] }
        return [FilamentSource(globalTrayID: trayNow)]
    }

    /// `ams.insert_flag`: RFID tags are read when a spool is inserted.
    package var amsReadsOnInsertion: Bool? { print["ams"]?["insert_flag"]?.boolValue }

    /// `ams.power_on_flag`: RFID tags are read when the printer starts.
    package var amsReadsOnPowerOn: Bool? { print["ams"]?["power_on_flag"]?.boolValue }

    /// `home_flag` bit 7: the AMS estimates the remaining filament (bambu-lan.md §2.10).
    package var amsCalibratesRemaining: Bool? { homeFlag.map { $0 & 0x80 != 0 } }

    /// `ams_status`: main state in bits 8–15 (0 idle, 1 filament change, 2 RFID, 3 assist…), sub-state below.
    package var amsStatus: Int? { print["ams_status"]?.intValue }

    /// Storage present: `sdcard`, else `home_flag` bit 8.
    package var sdCardPresent: Bool? {
        if let flag = print["sdcard"]?.boolValue { return flag }
        guard let homeFlag else { return nil }
        return homeFlag & 0x100 != 0
    }

    /// Whether Authorization Control requires signed commands: `fun` bit 0x20000000 (false when absent).
    package var signatureRequired: Bool {
        switch print["fun"] {
        case .string(let text)?: Hex.isBitSet(29, inHex: text)
        case .int(let number)?: number & 0x2000_0000 != 0
        default: false
        }
    }

    /// `wifi_signal`, e.g. `-45dBm`.
    package var wifiSignal: String? { print["wifi_signal"]?.stringValue }

    /// `nozzle_diameter`, e.g. `0.4` (numbers are rendered as text).
    package var nozzleDiameter: String? {
        switch print["nozzle_diameter"] {
        case .string(let text)?: text
        case let number? where number.doubleValue != nil: number.serialized
        default: nil
        }
    }

    /// `nozzle_type`, e.g. `hardened_steel` or `HS01`.
    package var nozzleType: String? { print["nozzle_type"]?.stringValue }

    /// `home_flag` as a signed 32-bit value (it is negative on many printers).
    package var homeFlag: Int? {
        guard let value = print["home_flag"]?.intValue else { return nil }
        return Int(Int32(truncatingIfNeeded: value))
    }
}

// MARK: - Version (bambu-lan.md §2.17)

extension PrinterState {
    /// The printer firmware: `sw_ver` of the `ota` module.
    package var firmwareVersion: String? { otaModule?["sw_ver"]?.stringValue }

    /// The `ota` module's `product_name` (e.g. `Bambu Lab A1 mini`), `nil` when absent or empty.
    package var productName: String? {
        guard let name = otaModule?["product_name"]?.stringValue, !name.isEmpty else { return nil }
        return name
    }

    private var otaModule: JSONValue? {
        versionModules.first { $0["name"]?.stringValue == "ota" }
    }
}
