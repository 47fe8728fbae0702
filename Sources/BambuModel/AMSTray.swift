// SPDX-License-Identifier: AGPL-3.0-or-later
// One filament slot: an AMS tray or an external spool holder.

/// One filament slot as reported in `ams.ams[].tray[]`, `vt_tray` or `vir_slot[]` (bambu-lan.md §2.12).
///
/// Exists to give the host-facing code typed filament data (material, colour, temperatures) from
/// tray objects whose fields are all strings, and to make an empty slot explicit: a tray reported
/// with only `id` (and `state`) has no filament.
package struct AMSTray: Equatable, Sendable {
    /// Slot index within its unit (0–3), or the holder id (254/255) for external spools.
    package var id: Int
    /// `tray_type`, e.g. `PLA`, `PETG`, `TPU-AMS`; `nil` when the slot is empty.
    package var material: String?
    /// `tray_color` as `RRGGBBAA` hex.
    package var color: String?
    /// `remain` in percent; `nil` when the printer does not know (-1).
    package var remainPercent: Int?
    /// `nozzle_temp_min` in °C.
    package var nozzleTempMin: Int?
    /// `nozzle_temp_max` in °C.
    package var nozzleTempMax: Int?
    /// `tray_sub_brands`, e.g. `PLA Basic`.
    package var subBrand: String?
    /// `tray_info_idx`: the Bambu filament preset id, e.g. `GFA00`.
    package var filamentID: String?

    package init(
        id: Int,
        material: String? = nil,
        color: String? = nil,
        remainPercent: Int? = nil,
        nozzleTempMin: Int? = nil,
        nozzleTempMax: Int? = nil,
        subBrand: String? = nil,
        filamentID: String? = nil
    ) {
        self.id = id
        self.material = material
        self.color = color
        self.remainPercent = remainPercent
        self.nozzleTempMin = nozzleTempMin
        self.nozzleTempMax = nozzleTempMax
        self.subBrand = subBrand
        self.filamentID = filamentID
    }

    /// Reads a tray object; `nil` when it is not an object or has no numeric `id`.
    init?(_ value: JSONValue) {
        guard case .object(let tray) = value, let id = tray["id"]?.intValue else { return nil }
        let remain = tray["remain"]?.intValue
        self.init(
            id: id,
            material: Self.text(tray["tray_type"]),
            color: Self.text(tray["tray_color"]),
            remainPercent: remain.flatMap { $0 >= 0 ? $0 : nil },
            nozzleTempMin: tray["nozzle_temp_min"]?.intValue,
            nozzleTempMax: tray["nozzle_temp_max"]?.intValue,
            subBrand: Self.text(tray["tray_sub_brands"]),
            filamentID: Self.text(tray["tray_info_idx"])
        )
    }

    /// Whether the slot holds no known filament (no or empty `tray_type`).
    package var isEmpty: Bool { material == nil }

    /// A non-empty string field, or `nil`.
    private static func text(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }
}
