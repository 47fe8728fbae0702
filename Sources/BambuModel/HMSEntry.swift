// SPDX-License-Identifier: AGPL-3.0-or-later
// One health-management-system message from the report's `hms` array.

/// One entry of `print.hms[]`: two unsigned 32-bit words the printer raises for a fault or notice.
///
/// Exists to turn `attr`/`code` into the forms users and the vendor's tables use (bambu-lan.md §4.1):
/// the wiki's `AAAA_BBBB_CCCC_DDDD` display code and BambuStudio's 16-digit long code used as the key
/// of the HMS text tables. `attr` bits 31–24 are the module id, 23–16 the module number (which AMS),
/// 15–8 the part; `code` bits 31–16 the level, 15–0 the message.
package struct HMSEntry: Equatable, Sendable, Hashable {
    /// The `attr` word.
    package var attribute: UInt32
    /// The `code` word.
    package var code: UInt32

    package init(attribute: UInt32, code: UInt32) {
        self.attribute = attribute
        self.code = code
    }

    /// Reads `{"attr": …, "code": …}`; `nil` when either is missing or not a number.
    ///
    /// Values are taken modulo 2^32, so a firmware that sends them signed still decodes.
    init?(_ value: JSONValue) {
        guard let attribute = value["attr"]?.intValue, let code = value["code"]?.intValue else { return nil }
        self.init(attribute: UInt32(truncatingIfNeeded: attribute), code: UInt32(truncatingIfNeeded: code))
    }

    /// `%04X_%04X_%04X_%04X` of attr-high, attr-low, code-high, code-low, e.g. `0300_0100_0001_0007` (HA, wiki).
    package var displayCode: String {
        [attribute >> 16, attribute & 0xFFFF, code >> 16, code & 0xFFFF]
            .map { Hex.format(UInt64($0), width: 4) }
            .joined(separator: "_")
    }

    /// BambuStudio's 16-digit form: the first three `attr` bytes, `00`, then the level and message as
    /// `%04X` each, e.g. `0300010000010007` (`DevHMSItem::parse_hms_info`).
    package var longCode: String {
        Hex.format(UInt64(attribute >> 8), width: 6) + "00" + Hex.format(UInt64(code >> 16), width: 4)
            + Hex.format(UInt64(code & 0xFFFF), width: 4)
    }

    /// The message level from `code >> 16`.
    package var severity: HMSSeverity { HMSSeverity(level: code >> 16) }

    /// The module that raised the message (`attr` bits 31–24).
    package var moduleID: UInt8 { UInt8(truncatingIfNeeded: attribute >> 24) }

    /// A short English name for `moduleID` (bambu-lan.md §4.2).
    package var moduleName: String { Self.moduleName(moduleID) }

    /// The name for a module id as used in HMS and `print_error` codes.
    static func moduleName(_ id: UInt8) -> String {
        switch id {
        case 0x03: "motion controller"
        case 0x05: "mainboard"
        case 0x07: "AMS"
        case 0x08: "toolhead"
        case 0x0C: "camera/LiDAR"
        case 0x12: "AMS Lite"
        case 0x18: "AMS HT"
        default: "module 0x" + Hex.format(UInt64(id), width: 2)
        }
    }
}

extension HMSEntry {
    /// The vendor wiki's page for this code on `model`'s series (bambu-lan.md §4.4):
    /// `https://wiki.bambulab.com/en/<series>/troubleshooting/hmscode/<AAAA_BBBB_CCCC_DDDD>`.
    package func wikiLink(for model: PrinterModel) -> String {
        "https://wiki.bambulab.com/en/\(model.wikiSeries)/troubleshooting/hmscode/\(displayCode)"
    }
}

extension PrinterModel {
    /// The series path the vendor wiki files a model's pages under (bambu-lan.md §4.4).
    ///
    /// `x1`, `p1`, `h2`, `p2s` and `x2d` are the paths the notes name; `a1`, `a1-mini` and `a2l`
    /// follow the wiki's product sections and are not confirmed by a peer's link table.
    package var wikiSeries: String {
        switch self {
        case .x1c, .x1, .x1e: "x1"
        case .p1p, .p1s: "p1"
        case .a1: "a1"
        case .a1mini: "a1-mini"
        case .a2l: "a2l"
        case .p2s: "p2s"
        case .h2s, .h2d, .h2dPro, .h2c: "h2"
        case .x2d: "x2d"
        }
    }
}
