// SPDX-License-Identifier: AGPL-3.0-or-later
// Marlin's temperature line, built from the cached printer state.

package import BambuModel

/// The `T:… B:… C:…` line of M105, M155 autoreports and heating waits.
///
/// Exists because three code paths print it and OctoPrint, Printrun and Repetier each parse it
/// slightly differently (serial-host.md §7.1): one formatter keeps them identical.
package enum TemperatureReport {
    /// The line for a printer state and model.
    ///
    /// Single nozzle: `T:a /t B:a /t [C:a /t] @:0 B@:0`. Two nozzles (H2D): Marlin's multi-hotend
    /// form `T:<active> T0:… T1:… B:…`, where T0 is extruder 0 (right, "main") and T1 extruder 1
    /// (left). `C:` appears only where the model has a chamber sensor.
    package static func line(for printer: PrinterState, model: PrinterModel, externalChamber: Bool = false)
        -> String
    {
        let nozzleCount = max(1, model.capabilities.nozzleCount)
        var nozzles = printer.nozzleTemperatures
        while nozzles.count < nozzleCount { nozzles.append(Temperature(current: 0, target: 0)) }
        // One string built in place: this line answers every M105 and autoreport (benchmark 1).
        var line = ""
        line.reserveCapacity(96)
        if nozzleCount == 1 {
            append("T:", nozzles[0], to: &line)
        } else {
            let active = min(max(0, printer.activeExtruder), nozzleCount - 1)
            append("T:", nozzles[active], to: &line)
            for index in 0..<nozzleCount { append(" T\(index):", nozzles[index], to: &line) }
        }
        append(" B:", printer.bedTemperature ?? Temperature(current: 0, target: 0), to: &line)
        if model.capabilities.chamberSensor || externalChamber {
            append(" C:", printer.chamberTemperature ?? Temperature(current: 0, target: 0), to: &line)
        }
        line += " @:0 B@:0"
        return line
    }

    /// Appends `<label><current> /<target>`.
    private static func append(_ label: String, _ temperature: Temperature, to line: inout String) {
        line += label
        appendOneDecimal(temperature.current, to: &line)
        line += " /"
        appendOneDecimal(temperature.target, to: &line)
    }

    /// `%.1f` without Foundation.
    package static func oneDecimal(_ value: Double) -> String {
        var text = ""
        appendOneDecimal(value, to: &text)
        return text
    }

    private static func appendOneDecimal(_ value: Double, to text: inout String) {
        guard value.isFinite else {
            text += "0.0"
            return
        }
        let tenths = Int(min((abs(value) * 10).rounded(), 1e15))
        if value < 0 && tenths != 0 { text += "-" }
        text += String(tenths / 10)
        text.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: ".")))
        text.unicodeScalars.append(Unicode.Scalar(UInt8(0x30 + tenths % 10)))
    }
}
