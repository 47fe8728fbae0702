// SPDX-License-Identifier: AGPL-3.0-or-later
// Changes made at the simulated printer itself rather than through MQTT.

package import BambuModel

/// Something that happens at the simulated printer's screen or inside it, not through a client request.
///
/// Exists so the simulator's console (and tests) can produce the situations a bridge must survive but
/// cannot cause itself: HMS faults, jobs started or cancelled on the touchscreen, failed prints, odd raw
/// values, and the 2025 Authorization Control lock (bambu-lan.md §1.8).
package enum SimulatorControl: Sendable, Equatable {
    /// Raises one HMS entry (`print.hms[]`, bambu-lan.md §2.13 / §4.1).
    case injectHMS(attribute: UInt32, code: UInt32)
    /// Clears every HMS entry.
    case clearHMS
    /// Sets a raw top-level `print` field, e.g. `nozzle_temper`.
    ///
    /// Fields the simulation owns (temperatures, fans, `spd_lvl`, `home_flag`, `print_error`) change the
    /// simulated value, which then evolves as usual; any other key is reported as given from then on, and
    /// `null` removes such an override again.
    case set(key: String, value: JSONValue)
    /// A job started on the printer's screen.
    case startJob(file: String, layers: Int, duration: Duration)
    /// Pause the running job from the screen.
    case pause
    /// Resume the paused job from the screen.
    case resume
    /// Cancel the job from the screen (`print_error` 0300_400C for a few seconds, like a real cancel).
    case stop
    /// The job fails with the given `print_error`, which stays until the next job or `clean_print_error`.
    case fail(printError: Int)
    /// Completes the running job now.
    case finish
    /// Authorization Control: sets `fun` bit 0x20000000; `print.*` commands then fail with
    /// `mqtt message verify failed` and raise HMS 0500_0500_0001_0007, while `ledctrl` keeps working.
    case requireSignedCommands(Bool)
}
