// SPDX-License-Identifier: AGPL-3.0-or-later
// Per-model facts the simulator needs beyond the hardware capabilities.

import BambuModel

/// How one printer model reports itself: push style, firmware, boards, defaults.
///
/// Exists because models differ in more than hardware: X1/H2/P2 push the full object every time while
/// P1/A1 push only changed fields (bambu-lan.md §1.6, §2.1); `fun` is sent only by the newer families
/// (§1.8); idle `stg_cur` is -1 or 255 (§2.16); the `device` block with packed temperatures exists on
/// H2/P2/X2 (§2.2, §2.3); `get_version` lists different boards (§2.17). One table keeps the simulation
/// code free of per-model switches.
struct ModelProfile: Sendable {
    /// The model described.
    let model: PrinterModel
    /// Periodic pushes carry only changed fields plus `wifi_signal` (P1P, P1S, A1, A1 mini, A2L).
    let sendsDeltas: Bool
    /// Reports carry the `fun` hex field (every model except P1 and A1).
    let sendsFunction: Bool
    /// Reports carry `print.device` with packed temperatures (dual-nozzle models, H2S, P2S).
    let hasDeviceBlock: Bool
    /// `stg_cur` while no job runs: -1 on X1-style firmware, 255 on P1/A1.
    let idleStage: Int
    /// `home_flag` with the homed bits (0–2) and the door bit clear; the sign follows the real models.
    let homeFlagBase: Int32
    /// The `ota` module's `sw_ver`.
    let firmware: String
    /// The main board module of `get_version`: name, `hw_ver`, `project_name` (empty when not sent).
    let board: (name: String, hardware: String, project: String)
    /// `nozzle_type` as this model family reports it.
    let nozzleType: String
    /// The AMS units attached by default: none on the P1P (it ships without one); the model's first
    /// AMS kind as unit 0 (16 on the A2L, bambu-lan.md §2.12); an AMS HT (128) next to it on the X1C; an
    /// AMS 2 Pro feeding the left nozzle and an AMS HT feeding the right one on the H2D (as in the H2D
    /// fixture), so the dryer and both nozzles' slots can be exercised.
    let amsUnits: [(kind: AMSKind, id: Int, extruder: Int)]

    /// The profile of `model`.
    init(_ model: PrinterModel) {
        self.model = model
        let family = Family(model)
        sendsDeltas = family == .legacy
        sendsFunction = model != .p1p && model != .p1s && model != .a1 && model != .a1mini
        hasDeviceBlock = model.capabilities.nozzleCount > 1 || model == .h2s || model == .p2s
        idleStage = family == .legacy ? 255 : -1
        // Real idle values with bits 0–2 (homed) and 23 (door open) cleared: P1S 0x634598, X1C 0xC065CD90.
        homeFlagBase = family == .legacy ? 0x0063_4598 : Int32(bitPattern: 0xC065_CD90)
        nozzleType = Self.nozzleType(model)
        amsUnits = Self.amsUnits(model)
        (firmware, board) = Self.versions(model)
    }

    /// Whether target temperatures are sent as integers (P1/A1) rather than floats (newer firmware).
    var integerTargets: Bool { sendsDeltas }

    /// `ota` firmware and the board module, as real printers of the model report them (fixtures, §2.17).
    private static func versions(_ model: PrinterModel) -> (String, (String, String, String)) {
        switch model {
        case .x1c, .x1: ("01.09.00.01", ("rv1126", "AP05", ""))
        case .x1e: ("01.01.05.00", ("ap", "AP02", ""))
        case .p1p: ("01.08.02.00", ("esp32", "AP04", "C11"))
        case .p1s: ("01.08.02.00", ("esp32", "AP04", "C12"))
        case .a1: ("01.05.00.00", ("esp32", "AP05", "N2S"))
        case .a1mini: ("01.07.02.00", ("esp32", "AP05", "N1"))
        case .a2l: ("01.00.00.00", ("esp32", "AP05", "N9"))
        case .p2s: ("01.01.00.00", ("ap", "AP04", ""))
        case .h2s: ("01.01.00.00", ("ap", "AP05", ""))
        case .h2d, .h2dPro: ("01.01.02.07", ("ap", "AP05", ""))
        case .h2c, .x2d: ("01.00.00.00", ("ap", "AP05", ""))
        }
    }

    private static func amsUnits(_ model: PrinterModel) -> [(kind: AMSKind, id: Int, extruder: Int)] {
        switch model {
        case .p1p: []
        case .x1c: [(.ams, 0, 0), (.amsHT, 128, 0)]
        case .h2d: [(.ams2Pro, 0, 1), (.amsHT, 128, 0)]
        case .a2l: [(.amsLite, 16, 0)]
        default: model.capabilities.amsKinds.first.map { [($0, 0, 0)] } ?? []
        }
    }

    private static func nozzleType(_ model: PrinterModel) -> String {
        switch model {
        case .x1c, .x1, .x1e: "hardened_steel"
        case .h2s, .p2s: "HS01"
        default: "stainless_steel"
        }
    }

    /// The report generations: P1/A1-style deltas or X1-style full objects.
    private enum Family: Equatable {
        case legacy, current

        init(_ model: PrinterModel) {
            switch model {
            case .p1p, .p1s, .a1, .a1mini, .a2l: self = .legacy
            default: self = .current
            }
        }
    }
}
