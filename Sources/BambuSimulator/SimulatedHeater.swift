// SPDX-License-Identifier: AGPL-3.0-or-later
// A heater whose temperature moves towards its target over simulated time.

/// One simulated heater (a nozzle, the bed or the chamber): a current temperature chasing a target.
///
/// Exists so reports show temperatures that rise and fall like a real printer's instead of jumping: a
/// bridge that waits for `M109`/`M190` must see intermediate values and a settled end value. Heating is
/// rate-limited and eases in near the target (so it lands on it instead of overshooting); with the
/// heater off the temperature falls back to ambient by Newton's law of cooling, capped at a maximum rate.
struct SimulatedHeater: Sendable, Equatable {
    /// How fast one kind of heater moves.
    struct Dynamics: Sendable, Equatable {
        /// Fastest rise in °C per second.
        var maxHeatingRate: Double
        /// Rise (or fall towards a lower target) per second per °C still missing: the exponential tail.
        var approachGain: Double
        /// Newton cooling coefficient per second, towards ambient.
        var coolingCoefficient: Double
        /// Fastest fall in °C per second.
        var maxCoolingRate: Double

        /// A hotend: about 4 °C/s up, slower down.
        static let nozzle = Dynamics(
            maxHeatingRate: 4, approachGain: 0.6, coolingCoefficient: 0.02, maxCoolingRate: 2.5
        )
        /// A heated bed: about 1 °C/s up, slower down.
        static let bed = Dynamics(maxHeatingRate: 1, approachGain: 0.25, coolingCoefficient: 0.01, maxCoolingRate: 0.5)
        /// An enclosure: slow both ways.
        static let chamber = Dynamics(
            maxHeatingRate: 0.2, approachGain: 0.05, coolingCoefficient: 0.005, maxCoolingRate: 0.1
        )
    }

    /// The temperature now, °C.
    var current: Double
    /// The set point, °C; 0 = heater off.
    var target: Double
    /// How this heater moves.
    let dynamics: Dynamics

    init(current: Double, target: Double = 0, dynamics: Dynamics) {
        self.current = current
        self.target = target
        self.dynamics = dynamics
    }

    /// Where the temperature is heading: the target (a heater cannot cool below ambient) or ambient when off.
    func goal(ambient: Double) -> Double {
        target > 0 ? max(target, ambient) : ambient
    }

    /// Whether the temperature sits exactly on its goal.
    func isSettled(ambient: Double) -> Bool { current == goal(ambient: ambient) }

    /// Moves the temperature over `seconds` (callers keep steps short, ≤ 0.1 s, for a smooth curve).
    mutating func step(seconds: Double, ambient: Double) {
        let goal = goal(ambient: ambient)
        let missing = goal - current
        // Snap the last hundredth of a degree so a settled heater reports exactly its target.
        guard abs(missing) >= 0.01, seconds > 0 else {
            current = goal
            return
        }
        let rate: Double
        if missing > 0 {
            // Powered: capped rise easing into the target. Off but below ambient: passive warming.
            rate =
                target > 0
                ? min(dynamics.maxHeatingRate, dynamics.approachGain * missing)
                : dynamics.coolingCoefficient * missing
        } else {
            // Newton cooling towards ambient; it stops at a lower target because the goal is the target.
            rate = -min(dynamics.maxCoolingRate, dynamics.coolingCoefficient * (current - ambient))
        }
        let change = rate * seconds
        current = abs(change) >= abs(missing) ? goal : current + change
    }
}
