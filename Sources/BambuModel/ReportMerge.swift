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
        // A large stored object is searched through its index when the keys come in another order.
        stored.buildIndexIfLarge()
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
        var finder = RecordFinder()
        for (deltaPosition, element) in delta.enumerated() {
            guard case .object(let deltaRecord) = element, let id = deltaRecord["id"] else { continue }
            guard let position = finder.position(ofRecordWithID: id, expectedAt: deltaPosition, in: stored) else {
                finder.willAppend(id, at: stored.count)
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

    /// Finds stored records by `id` while one record array is merged.
    ///
    /// Records usually come in the stored order, so the delta's own position is tried first. Past
    /// that, a short array is searched, and a long one indexed once: a search per record made a
    /// hostile report (60,000 records in reverse order, well under the 1 MB report limit) take
    /// minutes (BENCHMARKS.md, section 8).
    struct RecordFinder {
        /// Arrays up to this long are searched.
        static let searchedCount = 16

        /// How `sameID` sees an id: by its number when it has one (`"0"` and `0` alike), else as a value.
        private enum Key: Hashable {
            case number(Int)
            case value(JSONValue)

            init(_ id: JSONValue, _ number: Int?) { self = number.map(Key.number) ?? .value(id) }
        }

        /// The first stored position of each id, once built.
        private var index: [Key: Int]?

        /// The position of the stored record with this `id` (the first, as a search finds), or `nil`.
        mutating func position(ofRecordWithID id: JSONValue, expectedAt deltaPosition: Int, in stored: [JSONValue]) -> Int? {
            let numericID = id.intValue
            if deltaPosition < stored.count && sameID(stored[deltaPosition]["id"], id, numericID) { return deltaPosition }
            guard stored.count > Self.searchedCount || index != nil else {
                return stored.firstIndex(where: { sameID($0["id"], id, numericID) })
            }
            if index == nil {
                var built: [Key: Int] = [:]
                built.reserveCapacity(stored.count)
                for position in stored.indices {
                    guard let storedID = stored[position]["id"] else { continue }
                    let key = Key(storedID, storedID.intValue)
                    if built[key] == nil { built[key] = position }
                }
                index = built
            }
            return index?[Key(id, numericID)]
        }

        /// Records a record with this `id` about to be appended at `position`.
        mutating func willAppend(_ id: JSONValue, at position: Int) {
            guard index != nil else { return }
            let key = Key(id, id.intValue)
            if index?[key] == nil { index?[key] = position }
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

    /// What a report says about which AMS units exist (the inputs of rule 5).
    struct UnitPresence {
        /// `ams.ams_exist_bits`, one bit per unit id 0–15.
        var existBits: UInt64?
        /// Whether the report is a full one (`msg` 0).
        var isFull: Bool
        /// The ids of the units `ams.ams` lists.
        var listedIDs: [Int]?

        /// The presence a parsed report states; `nil` when it has no `ams` object.
        init?(reportedBy delta: JSONObject) {
            guard case .object(let deltaAMS)? = delta["ams"] else { return nil }
            existBits = Hex.bits(deltaAMS["ams_exist_bits"])
            isFull = delta["msg"]?.intValue == 0
            listedIDs = deltaAMS["ams"]?.arrayValue?.compactMap { $0["id"]?.intValue }
        }

        /// The presence the report at `body` on the parser's tape states; `nil` when it has no `ams` object.
        init?(tapeObjectAt body: Int, _ parser: inout JSONParser) {
            guard let ams = parser.member("ams", ofObjectAt: body), parser.tokenKind(at: ams) == .object else { return nil }
            existBits = Hex.bits(parser.member("ams_exist_bits", ofObjectAt: ams).map { parser.value(at: $0) })
            isFull = parser.member("msg", ofObjectAt: body).map { parser.value(at: $0) }?.intValue == 0
            listedIDs = nil
            if let units = parser.member("ams", ofObjectAt: ams), parser.tokenKind(at: units) == .array {
                var ids: [Int] = []
                var element = units + 1
                for _ in 0..<parser.containerCount(at: units) {
                    if parser.tokenKind(at: element) == .object, let id = parser.member("id", ofObjectAt: element),
                        let number = parser.value(at: id).intValue
                    {
                        ids.append(number)
                    }
                    element = parser.valueEnd(at: element)
                }
                listedIDs = ids
            }
        }
    }

    private static func removeVanishedUnits(reportedBy delta: JSONObject, from state: inout JSONObject) {
        guard let presence = UnitPresence(reportedBy: delta) else { return }
        removeVanishedUnits(presence, from: &state)
    }

    /// Returns whether it removed a unit.
    @discardableResult
    private static func removeVanishedUnits(_ presence: UnitPresence, from state: inout JSONObject) -> Bool {
        let existBits = presence.existBits
        let isFull = presence.isFull
        let listedIDs = presence.listedIDs
        guard existBits != nil || (isFull && listedIDs != nil) else { return false }
        // A long list is searched through a set: a search per stored unit grew with the square of the count.
        let listedSet = listedIDs.flatMap { $0.count > RecordFinder.searchedCount ? Set($0) : nil }

        func isGone(_ unit: JSONValue) -> Bool {
            guard let id = unit["id"]?.intValue else { return false }
            if let listedIDs {
                // A unit this very report describes is present, whatever its bitmask says.
                if listedSet?.contains(id) ?? listedIDs.contains(id) { return false }
                if isFull { return true }
            }
            // One bit per unit id. The A2L's unit 16 keeps its bits at another base (§2.12) and AMS HT
            // units (128+) are not in this mask, so only ids 0–15 are judged by it.
            if let existBits, (0..<16).contains(id), existBits & (1 << UInt64(id)) == 0 { return true }
            return false
        }

        guard let amsPosition = state.position(of: "ams") else { return false }
        var removed = false
        state.modifyValue(at: amsPosition) { ams in
            guard case .object(var amsObject) = ams, let unitsPosition = amsObject.position(of: "ams") else { return }
            ams = .null
            amsObject.modifyValue(at: unitsPosition) { units in
                guard case .array(var elements) = units, elements.contains(where: isGone) else { return }
                units = .null
                elements.removeAll(where: isGone)
                units = .array(elements)
                removed = true
            }
            ams = .object(amsObject)
        }
        return removed
    }
}

// MARK: - Merging straight from a scanned text

extension ReportMerge {
    /// Merges the `print` body at `body` on the parser's tape into `state`.
    ///
    /// The same result as `apply(_:to:)` with the parsed body, by the same rules, but values are built
    /// only where the state does not already hold them: a key found where the stored object has it is
    /// compared byte by byte, and a scalar or a whole container identical to the stored one (same
    /// case, bits and text) is kept.
    ///
    /// `unchanged` is kept true for `state`: members the scan left unread (`.unchanged`) are kept, large
    /// containers found identical are remembered, and the entries of members that change are dropped.
    static func apply(
        tapeObjectAt body: Int, _ parser: inout JSONParser, to state: inout JSONObject, unchanged: inout UnchangedMembers
    ) {
        guard !state.isEmpty else {
            unchanged.forgetPrint()
            if case .object(let delta) = parser.value(at: body) { apply(delta, to: &state) }
            return
        }
        mergeObject(tapeAt: body, &parser, into: &state, knownDifference: nil, members: &unchanged)
        if let presence = UnitPresence(tapeObjectAt: body, &parser), removeVanishedUnits(presence, from: &state) {
            unchanged.forgetPrint()
        }
    }

    /// Merges the object at `object` on the tape into `stored`.
    ///
    /// `knownDifference` is what `JSONParser.firstDifference(at:from:)` found comparing the two, when
    /// it was asked: the members before it are identical to the stored ones at the same positions, and
    /// the one holding it differs, so neither is compared again.
    ///
    /// `members` hears of members found identical or about to change: `UnchangedMembers` for the `print`
    /// body (see `apply(tapeObjectAt:_:to:unchanged:)`), nothing below it.
    private static func mergeObject<Members: MemberObserver>(
        tapeAt object: Int, _ parser: inout JSONParser, into stored: inout JSONObject, knownDifference: Int?,
        members: inout Members
    ) {
        // A large stored object is searched through its index when the keys come in another order (a
        // search per key grew with the square of the count: BENCHMARKS.md, section 8).
        stored.buildIndexIfLarge()
        var hint = 0
        var key = object + 1
        for ordinal in 0..<parser.containerCount(at: object) {
            let value = key + 1
            let next = parser.valueEnd(at: value)
            let position: Int
            if stored.key(at: hint, isUTF8: parser.rawBytes(at: key)) {
                position = hint  // where the last report had it: reports keep their order
            } else {
                // Elsewhere, new, or a canonically equal key spelled otherwise: the plain lookup decides.
                let name = parser.keyString(at: key)
                guard let found = stored.position(of: name, hint: hint) else {
                    stored.append(name, parser.value(at: value))
                    key = next
                    continue
                }
                position = found
            }
            // What the comparison of the enclosing object found about this member, if it got this far.
            var difference: Int?
            if let known = knownDifference, known >= value, position == ordinal {
                guard known < next else {
                    hint = position + 1  // compared whole and identical
                    key = next
                    continue
                }
                difference = known
            }
            switch parser.tokenKind(at: value) {
            case .unchanged:
                break  // the bytes of a member `unchanged` remembers: the stored value is this one
            case .object, .array:
                // Most of a full report repeats the last one (AMS units and trays, lights, network):
                // merging an identical container changes nothing, and comparing it in place costs less
                // than walking it through the merge. Where it differs, the merge below is told where,
                // so it does not compare the identical part again (BENCHMARKS.md, benchmark 2).
                if difference == nil {
                    difference = stored.withValue(at: position) { parser.firstDifference(at: value, from: $0) }
                    guard difference != nil else {
                        // Identical: the next report may leave these bytes unread.
                        members.foundIdentical(valueAt: value, storedAt: position, parser)
                        break
                    }
                }
                members.willChange(storedAt: position)
                stored.modifyValue(at: position) { existing in
                    merge(tapeAt: value, &parser, into: &existing, key: key, knownDifference: difference)
                }
            default:
                // A scalar always replaces; an identical one is simply kept.
                let token = parser.scalarToken(at: value)
                let text = parser.textStart
                if difference != nil || !stored.withValue(at: position, { JSONParser.scalar(token, of: text, isIdenticalTo: $0) }) {
                    members.willChange(storedAt: position)
                    stored.replaceValue(at: position, with: parser.value(at: value))
                }
            }
            hint = position + 1
            key = next
        }
    }

    /// `merge(_:into:key:)` for the value at `delta` on the tape; `key` is its key's token (`nil` in a
    /// record array), `knownDifference` what `JSONParser.firstDifference(at:from:)` found for the two, if asked.
    private static func merge(
        tapeAt delta: Int, _ parser: inout JSONParser, into existing: inout JSONValue, key: Int?, knownDifference: Int?
    ) {
        switch parser.tokenKind(at: delta) {
        case .object:
            let isVirtualTray = key.map { parser.key(at: $0, is: "vt_tray") } ?? false
            guard case .object(var storedObject) = existing, !(isVirtualTray && isEmptiedTray(tapeAt: delta, parser))
            else {
                replace(&existing, withValueAt: delta, &parser, knownDifference: knownDifference)
                return
            }
            existing = .null  // drop the second reference so the merge mutates in place
            var nested = IgnoredMembers()
            mergeObject(tapeAt: delta, &parser, into: &storedObject, knownDifference: knownDifference, members: &nested)
            existing = .object(storedObject)
        case .array:
            let isHMS = key.map { parser.key(at: $0, is: "hms") } ?? false
            guard !isHMS, case .array(var storedElements) = existing, isRecordArray(storedElements),
                isRecordArray(tapeAt: delta, parser), !storedElements.isEmpty
            else {
                replace(&existing, withValueAt: delta, &parser, knownDifference: knownDifference)
                return
            }
            existing = .null
            let replacesEmptied = key.map { parser.key(at: $0, is: "tray") || parser.key(at: $0, is: "vir_slot") } ?? false
            mergeRecords(
                tapeAt: delta, &parser, into: &storedElements, replacesEmptied: replacesEmptied, knownDifference: knownDifference)
            existing = .array(storedElements)
        default:
            replace(&existing, withValueAt: delta, &parser, knownDifference: knownDifference)
        }
    }

    /// Replaces `existing` with the value at `value` on the tape, unless it already is exactly that
    /// value (a replaced array sent again unchanged, such as `hms`), which it then keeps. A known
    /// difference says it is not.
    private static func replace(
        _ existing: inout JSONValue, withValueAt value: Int, _ parser: inout JSONParser, knownDifference: Int?
    ) {
        if knownDifference != nil || !parser.value(at: value, isIdenticalTo: existing) { existing = parser.value(at: value) }
    }

    /// `mergeRecords(_:into:replacesEmptied:)` for the array at `array` on the tape; `knownDifference`
    /// as for `mergeObject(tapeAt:_:into:knownDifference:)`, by position.
    private static func mergeRecords(
        tapeAt array: Int, _ parser: inout JSONParser, into stored: inout [JSONValue], replacesEmptied: Bool,
        knownDifference: Int?
    ) {
        var element = array + 1
        var finder = RecordFinder()
        for deltaPosition in 0..<parser.containerCount(at: array) {
            let current = element
            element = parser.valueEnd(at: current)
            // Compared whole with the stored record at the same position, and identical.
            if let known = knownDifference, known >= element, deltaPosition < stored.count { continue }
            let difference = knownDifference.flatMap { (current..<element).contains($0) ? $0 : nil }
            guard parser.tokenKind(at: current) == .object, let idToken = parser.member("id", ofObjectAt: current) else {
                continue
            }
            let position: Int
            if deltaPosition < stored.count, let storedID = stored[deltaPosition]["id"],
                parser.scalar(at: idToken, isIdenticalTo: storedID)
            {
                position = deltaPosition  // the same id where the last report had it (`sameID` holds)
            } else {
                let id = parser.value(at: idToken)
                guard let found = finder.position(ofRecordWithID: id, expectedAt: deltaPosition, in: stored) else {
                    finder.willAppend(id, at: stored.count)
                    stored.append(parser.value(at: current))
                    continue
                }
                position = found
            }
            if replacesEmptied && isEmptiedTray(tapeAt: current, parser) {
                stored[position] = parser.value(at: current)
                continue
            }
            var record = stored[position]
            stored[position] = .null
            merge(tapeAt: current, &parser, into: &record, key: nil, knownDifference: position == deltaPosition ? difference : nil)
            stored[position] = record
        }
    }

    /// `isRecordArray(_:)` for the array at `array` on the tape.
    private static func isRecordArray(tapeAt array: Int, _ parser: borrowing JSONParser) -> Bool {
        var element = array + 1
        for _ in 0..<parser.containerCount(at: array) {
            guard parser.tokenKind(at: element) == .object, parser.member("id", ofObjectAt: element) != nil else {
                return false
            }
            element = parser.valueEnd(at: element)
        }
        return true
    }

    /// `isEmptiedTray(_:)` for the object at `object` on the tape.
    private static func isEmptiedTray(tapeAt object: Int, _ parser: borrowing JSONParser) -> Bool {
        let count = parser.containerCount(at: object)
        guard count <= 2 else { return false }
        var key = object + 1
        var hasID = false
        for _ in 0..<count {
            if parser.key(at: key, is: "id") {
                hasID = true
            } else if !parser.key(at: key, is: "state") {
                return false
            }
            key = parser.valueEnd(at: key + 1)
        }
        return hasID
    }
}

/// What `ReportMerge`'s object merge tells about the members it keeps or changes.
///
/// Exists so the merge of the `print` body keeps `UnchangedMembers` true while the merges below it,
/// most of the work, compile to the same code as without it (a specialization of no-ops).
protocol MemberObserver {
    /// The container at `value` on the tape is identical to the stored member at `position`.
    mutating func foundIdentical(valueAt value: Int, storedAt position: Int, _ parser: borrowing JSONParser)
    /// The stored member at `position` is about to change.
    mutating func willChange(storedAt position: Int)
}

/// Hears nothing: the merges below the `print` body.
struct IgnoredMembers: MemberObserver {
    @inline(__always) func foundIdentical(valueAt value: Int, storedAt position: Int, _ parser: borrowing JSONParser) {}
    @inline(__always) func willChange(storedAt position: Int) {}
}
