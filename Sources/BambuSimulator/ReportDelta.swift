// SPDX-License-Identifier: AGPL-3.0-or-later
// The changed part of a report body, as P1/A1 printers push it.

import BambuModel

/// Computes the delta a P1/A1-style printer pushes: only what changed since its last report.
///
/// Exists because those models send `msg: 1` patches with just the changed fields (bambu-lan.md §2.1,
/// fixture `p1s_idle_deltas.json`), and the bridge's merge must be exercised with exactly that. Objects
/// are compared key by key and recursively, so `ams` can arrive with only `tray_now` (the case BDY had to
/// special-case); arrays (`hms`, `lights_report`, `ams.ams`) are sent whole when anything in them
/// changed. Keys that disappear are not reported: a patch cannot delete, and the simulator never drops
/// keys from its bodies.
enum ReportDelta {
    /// The members of `new` that differ from `old`, recursing into objects present in both.
    static func changes(from old: JSONObject, to new: JSONObject) -> JSONObject {
        var delta = JSONObject()
        for (key, value) in new {
            guard let previous = old[key] else {
                delta[key] = value
                continue
            }
            guard previous != value else { continue }
            if case .object(let newObject) = value, case .object(let oldObject) = previous {
                let nested = changes(from: oldObject, to: newObject)
                if !nested.isEmpty { delta[key] = .object(nested) }
            } else {
                delta[key] = value
            }
        }
        return delta
    }
}
