// SPDX-License-Identifier: AGPL-3.0-or-later
// Deep-merges one status report into the stored `print` object.

/// The merge rules peers converged on for Bambu status reports (bambu-lan.md §2.1).
///
/// Exists because every report is a patch: P1/A1 (and `msg: 1` on newer models) send only changed
/// fields, so replacing the state would forget everything else. The rules:
/// 1. Objects merge key by key, recursively.
/// 2. Arrays of records that all carry an `id` (`ams.ams[]`, `tray[]`, `vir_slot[]`,
///    `device.extruder.info[]`, `device.nozzle.info[]`, airduct `parts[]`) merge element by element
///    by `id`; an element absent from the delta is unchanged. Other arrays (`hms`, `s_obj`, `stg`,
///    `lights_report`…) are replaced; `hms` always is, even if a firmware adds ids to its entries.
/// 3. A tray (`tray[]`, `vir_slot[]`, `vt_tray`) sent with only `id` (or `id` and `state`) is an
///    emptied slot and replaces the stored tray, clearing its filament fields (HA `AMSTray`).
/// 4. A delta with `ams` but no `vt_tray` leaves `vt_tray` alone (follows from rule 1).
/// 5. An AMS unit is removed only when `ams.ams_exist_bits` has its bit clear (ids 0–15), or when a
///    full report (`msg` 0) lists `ams.ams` without it; a unit the same report lists always stays.
enum ReportMerge {
    /// Merges `delta` (a `print` body) into `state`.
    static func apply(_ delta: JSONObject, to state: inout JSONObject) {
        if state.isEmpty {
            state = delta
            state.buildIndexIfLarge()
        } else {
            mergeObject(delta, into: &state)
        }
        removeVanishedUnits(reportedBy: delta, from: &state)
    }

    // MARK: Rules 1–4

    private static func mergeObject(_ delta: JSONObject, into stored: inout JSONObject) {
        var hint = 0
        for entry in delta.entries {
            if let position = stored.position(of: entry.key, hint: hint) {
                switch entry.value {
                case .object, .array:
                    stored.modifyValue(at: position) { existing in merge(entry.value, into: &existing, key: entry.key) }
                default:
                    stored.replaceValue(at: position, with: entry.value)  // a scalar always replaces
                }
                hint = position + 1
            } else {
                stored.append(entry.key, entry.value)
            }
        }
    }

    private static func merge(_ delta: JSONValue, into existing: inout JSONValue, key: String) {
        switch delta {
        case .object(let deltaObject):
            guard case .object(var storedObject) = existing,
                !(key == "vt_tray" && isEmptiedTray(deltaObject))
            else {
                existing = delta
                return
            }
            existing = .null  // drop the second reference so the merge mutates in place
            mergeObject(deltaObject, into: &storedObject)
            existing = .object(storedObject)
        case .array(let deltaElements):
            guard key != "hms", case .array(var storedElements) = existing, isRecordArray(storedElements),
                isRecordArray(deltaElements), !storedElements.isEmpty
            else {
                existing = delta
                return
            }
            existing = .null
            mergeRecords(deltaElements, into: &storedElements, replacesEmptied: key == "tray" || key == "vir_slot")
            existing = .array(storedElements)
        default:
            existing = delta
        }
    }

    /// Merges records by `id`; unknown ids are appended, stored records absent from the delta stay.
    private static func mergeRecords(_ delta: [JSONValue], into stored: inout [JSONValue], replacesEmptied: Bool) {
        for (deltaPosition, element) in delta.enumerated() {
            guard case .object(let deltaRecord) = element, let id = deltaRecord["id"] else { continue }
            let numericID = id.intValue
            // Records usually come in the stored order: try the same position before searching.
            let samePosition = deltaPosition < stored.count && sameID(stored[deltaPosition]["id"], id, numericID)
            guard
                let position = samePosition
                    ? deltaPosition : stored.firstIndex(where: { sameID($0["id"], id, numericID) })
            else {
                stored.append(element)
                continue
            }
            if replacesEmptied && isEmptiedTray(deltaRecord) {
                stored[position] = element
                continue
            }
            var record = stored[position]
            stored[position] = .null
            merge(element, into: &record, key: "")
            stored[position] = record
        }
    }

    /// Whether every element is an object carrying an `id` (an empty array qualifies).
    private static func isRecordArray(_ elements: [JSONValue]) -> Bool {
        elements.allSatisfy { element in
            guard case .object(let record) = element else { return false }
            return record["id"] != nil
        }
    }

    /// Ids arrive as `"0"` or `0`; compare them as numbers when both are numeric.
    /// `rhsNumber` is `rhs.intValue`, computed once by the caller.
    private static func sameID(_ lhs: JSONValue?, _ rhs: JSONValue, _ rhsNumber: Int?) -> Bool {
        guard let lhs else { return false }
        if case .string(let left) = lhs, case .string(let right) = rhs, left == right { return true }
        if let left = lhs.intValue, let rhsNumber { return left == rhsNumber }
        return lhs == rhs
    }

    /// A tray holding only `id`, or `id` and `state`: the slot was emptied.
    private static func isEmptiedTray(_ tray: JSONObject) -> Bool {
        tray.count <= 2 && tray.entries.allSatisfy { $0.key == "id" || $0.key == "state" } && tray["id"] != nil
    }

    // MARK: Rule 5

    private static func removeVanishedUnits(reportedBy delta: JSONObject, from state: inout JSONObject) {
        guard case .object(let deltaAMS)? = delta["ams"] else { return }
        let existBits = Hex.bits(deltaAMS["ams_exist_bits"])
        let isFull = delta["msg"]?.intValue == 0
        let listedIDs = deltaAMS["ams"]?.arrayValue?.compactMap { $0["id"]?.intValue }
        guard existBits != nil || (isFull && listedIDs != nil) else { return }

        func isGone(_ unit: JSONValue) -> Bool {
            guard let id = unit["id"]?.intValue else { return false }
            if let listedIDs {
                // A unit this very report describes is present, whatever its bitmask says.
                if listedIDs.contains(id) { return false }
                if isFull { return true }
            }
            // One bit per unit id. The A2L's unit 16 keeps its bits at another base (§2.12) and AMS HT
            // units (128+) are not in this mask, so only ids 0–15 are judged by it.
            if let existBits, (0..<16).contains(id), existBits & (1 << UInt64(id)) == 0 { return true }
            return false
        }

        guard let amsPosition = state.position(of: "ams") else { return }
        state.modifyValue(at: amsPosition) { ams in
            guard case .object(var amsObject) = ams, let unitsPosition = amsObject.position(of: "ams") else { return }
            ams = .null
            amsObject.modifyValue(at: unitsPosition) { units in
                guard case .array(var elements) = units, elements.contains(where: isGone) else { return }
                units = .null
                elements.removeAll(where: isGone)
                units = .array(elements)
            }
            ams = .object(amsObject)
        }
    }
}
