// SPDX-License-Identifier: AGPL-3.0-or-later
// The G-code lines of a gcode_line request that change the simulated printer.

/// One line of a `gcode_line` request, reduced to what the simulator acts on.
///
/// Exists because clients drive temperatures, fans and homing through G-code text (bambu-lan.md §3.3–3.5):
/// `M104`/`M109` nozzle (optional `T` extruder), `M140`/`M190` bed, `M141` chamber, `M106 P<n> S<0-255>`
/// fans (P1 part, P2 aux, P3 chamber), `M107`, `G28`. Everything else is accepted and ignored, as the
/// printer's own G-code runner would execute it without a visible effect in the report.
enum GCodeInstruction: Equatable {
    case nozzleTarget(Double, extruder: Int?)
    case bedTarget(Double)
    case chamberTarget(Double)
    /// `fan`: 1 part, 2 auxiliary, 3 chamber; `pwm` 0–255.
    case fan(Int, pwm: Int)
    /// Homing; the axes named, or all when none is.
    case home(x: Bool, y: Bool, z: Bool)

    /// The instructions in `text` (lines separated by `\n`), skipping lines with no effect.
    static func parse(_ text: String) -> [GCodeInstruction] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).compactMap { parse(line: $0) }
    }

    /// One line: comments after `;` and a `*checksum` are dropped, a leading `N<line>` is skipped.
    static func parse(line: Substring) -> GCodeInstruction? {
        var code = line
        if let comment = code.firstIndex(of: ";") { code = code[..<comment] }
        if let checksum = code.firstIndex(of: "*") { code = code[..<checksum] }
        var words = code.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.uppercased() }
        if let first = words.first, first.hasPrefix("N"), Int(first.dropFirst()) != nil { words.removeFirst() }
        guard let command = words.first else { return nil }
        var parameters: [Character: String] = [:]
        for word in words.dropFirst() {
            guard let letter = word.first else { continue }
            parameters[letter] = String(word.dropFirst())
        }
        func number(_ letter: Character) -> Double? {
            guard let text = parameters[letter], let value = Double(text), value.isFinite else { return nil }
            return value
        }
        // Integer parameters; out-of-range garbage (`T1e300`) counts as missing rather than trapping.
        func integer(_ letter: Character) -> Int? {
            guard let value = number(letter), abs(value) < 1_000_000 else { return nil }
            return Int(value)
        }

        switch command {
        case "M104", "M109":
            guard let target = number("S") else { return nil }
            return .nozzleTarget(target, extruder: integer("T"))
        case "M140", "M190":
            return number("S").map { .bedTarget($0) }
        case "M141":
            return number("S").map { .chamberTarget($0) }
        case "M106":
            // Bambu's G-code addresses the part fan without P (or as P0/P1); Marlin's default S is 255.
            let pwm = min(max(number("S") ?? 255, 0), 255).rounded()
            return .fan(max(integer("P") ?? 1, 1), pwm: Int(pwm))
        case "M107":
            return .fan(max(integer("P") ?? 1, 1), pwm: 0)
        case "G28":
            let x = parameters["X"] != nil
            let y = parameters["Y"] != nil
            let z = parameters["Z"] != nil
            return x || y || z ? .home(x: x, y: y, z: z) : .home(x: true, y: true, z: true)
        default:
            return nil
        }
    }
}
