// SPDX-License-Identifier: AGPL-3.0-or-later
// All command specs, joined from the family files, looked up by code.

package import GCode

/// The codes the bridge answers itself.
///
/// Exists to join the family files into one lookup and to refuse duplicates: two entries for
/// one code would make behaviour depend on file order.
package struct CommandTable: Sendable {
    /// Every spec, sorted by code.
    package let specs: [CommandSpec]
    private let byCode: [CommandCode: CommandSpec]

    /// A table from family lists. Duplicate codes are reported by `duplicates(in:)`; the first entry wins.
    package init(_ families: [CommandSpec]...) {
        self.init(families: families)
    }

    /// Codes that appear more than once across the given families.
    package static func duplicates(in families: [[CommandSpec]]) -> [CommandCode] {
        var seen: Set<CommandCode> = []
        var repeated: [CommandCode] = []
        for spec in families.joined() where !seen.insert(spec.code).inserted { repeated.append(spec.code) }
        return repeated
    }

    /// The spec for a code.
    package subscript(code: CommandCode) -> CommandSpec? { byCode[code] }

    /// Whether a code is in the table.
    package func contains(_ code: CommandCode) -> Bool { byCode[code] != nil }

    /// The standard table's families under the headings the manual and the README use, in order.
    ///
    /// Our own codes live in M8100–M8199, a block neither Marlin nor the Bambu firmware uses
    /// (bambu-lan.md lists M620–M625, M960–M981, M991, M1002–M1007), grouped by family:
    /// M8100–M8109 help and status queries, M8110 next-start options, M8120–M8129 AMS,
    /// M8130–M8139 printer options and detectors, M8140–M8149 nozzle, M8150–M8159 printer
    /// housekeeping (refresh, calibration, raw requests), M8160–M8169 camera, M8170–M8179 files.
    package static let standardSections: [(title: String, specs: [CommandSpec])] = [
        ("Host protocol", .hostProtocol), ("Temperatures", .temperature), ("Fans", .fans),
        ("Position, speed and tools", .motion), ("Lights", .lights), ("SD card: the printer's storage", .storage),
        ("Files", .files), ("Print jobs", .job), ("Cancel objects", .objects), ("Filament", .filament),
        ("AMS", .ams), ("Printer options and detectors", .printerOptions), ("Nozzle", .nozzle),
        ("Printer housekeeping", .printer), ("Help and status", .statusQueries), ("HMS", .hms), ("Camera", .camera),
    ]

    /// The family lists of the standard table, for the duplicate check.
    package static let standardFamilies: [[CommandSpec]] = standardSections.map(\.specs)

    /// Every code the bridge answers.
    package static let standard = CommandTable(families: standardFamilies)

    /// A table from a list of families.
    package init(families: [[CommandSpec]]) {
        var byCode: [CommandCode: CommandSpec] = [:]
        let all = families.flatMap { $0 }
        for spec in all where byCode[spec.code] == nil { byCode[spec.code] = spec }
        self.byCode = byCode
        self.specs = all.sorted { $0.code < $1.code }
    }

    /// The `Cap:` lines of `M115`, derived from which codes the table has (serial-host.md §6.2).
    package var firmwareCapabilities: [(name: String, enabled: Bool)] {
        [
            ("SERIAL_XON_XOFF", false),
            ("BINARY_FILE_TRANSFER", false),
            ("EEPROM", false),
            ("AUTOREPORT_TEMP", contains(.m(155))),
            ("AUTOREPORT_POS", false),
            ("AUTOREPORT_SD_STATUS", contains(.m(27))),
            ("SDCARD", contains(.m(21)) && contains(.m(23))),
            ("EXTENDED_M20", contains(.m(20))),
            ("LFN_WRITE", contains(.m(28))),
            ("PROGRESS", false),
            ("PRINT_JOB", false),
            ("AUTOLEVEL", false),
            ("Z_PROBE", false),
            ("LEVELING_DATA", false),
            ("SOFTWARE_POWER", false),
            ("TOGGLE_LIGHTS", contains(.m(355))),
            ("CASE_LIGHT_BRIGHTNESS", false),
            ("EMERGENCY_PARSER", contains(.m(108)) && contains(.m(112))),
            ("HOST_ACTION_COMMANDS", true),
            ("PROMPT_SUPPORT", false),
            ("THERMAL_PROTECTION", true),
            ("MOTION_MODES", false),
            ("ARCS", false),
            ("BABYSTEPPING", false),
            ("CHAMBER_TEMPERATURE", false),
        ]
    }
}
