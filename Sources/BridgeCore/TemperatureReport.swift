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
        var parts: [String] = []
        if nozzleCount == 1 {
            parts.append("T:" + pair(nozzles[0]))
        } else {
            let active = min(max(0, printer.activeExtruder), nozzleCount - 1)
            parts.append("T:" + pair(nozzles[active]))
            for index in 0..<nozzleCount { parts.append("T\(index):" + pair(nozzles[index])) }
        }
        parts.append("B:" + pair(printer.bedTemperature ?? Temperature(current: 0, target: 0)))
        if model.capabilities.chamberSensor || externalChamber {
            parts.append("C:" + pair(printer.chamberTemperature ?? Temperature(current: 0, target: 0)))
        }
        parts.append("@:0 B@:0")
        return parts.joined(separator: " ")
    }

    private static func pair(_ temperature: Temperature) -> String {
        oneDecimal(temperature.current) + " /" + oneDecimal(temperature.target)
    }

    /// `%.1f` without Foundation.
    package static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "0.0" }
        let tenths = Int((abs(value) * 10).rounded())
        let sign = value < 0 && tenths != 0 ? "-" : ""
        return "\(sign)\(tenths / 10).\(tenths % 10)"
    }
}
