// SPDX-License-Identifier: AGPL-3.0-or-later
// Hex formatting and parsing without Foundation's String(format:).

/// Upper-case hex formatting and lenient hex-bitfield parsing.
///
/// Exists because the core cannot use Foundation's `String(format:)`, and because Bambu sends
/// bitfields as hex strings of any length (`fun`, `ams_exist_bits`, AMS `info`; bambu-lan.md §2.1).
enum Hex {
    /// `value` as upper-case hex, zero-padded to at least `width` digits.
    static func format(_ value: UInt64, width: Int) -> String {
        var text = String(value, radix: 16, uppercase: true)
        if text.count < width { text = String(repeating: "0", count: width - text.count) + text }
        return text
    }

    /// The value of a hex string (optional `0x` prefix); `nil` when empty, not hex, or wider than 64 bits.
    static func parse(_ text: String) -> UInt64? {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        return UInt64(digits, radix: 16)
    }

    /// A bitfield from a hex string, or from a plain integer when a firmware sends one.
    static func bits(_ value: JSONValue?) -> UInt64? {
        switch value {
        case .string(let text)?: parse(text)
        case .int(let number)?: UInt64(bitPattern: number)
        default: nil
        }
    }

    /// Whether bit `bit` is set in a hex string of any length (bits beyond the string are clear).
    static func isBitSet(_ bit: Int, inHex text: String) -> Bool {
        let utf8 = text.utf8
        let fromEnd = bit / 4
        guard bit >= 0, fromEnd < utf8.count,
            let digit = hexValue(utf8[utf8.index(utf8.endIndex, offsetBy: -1 - fromEnd)])
        else { return false }
        return digit & (1 << (bit % 4)) != 0
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
