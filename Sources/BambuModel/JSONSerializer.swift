// SPDX-License-Identifier: AGPL-3.0-or-later
// Compact JSON output with stable key order, for requests that are compared byte-exactly.

extension JSONValue {
    /// The compact JSON text: no whitespace, object keys in insertion order.
    package var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }

    /// The compact JSON text as UTF-8 bytes, ready to publish.
    package var serializedBytes: [UInt8] {
        var writer = JSONSerializer()
        writer.write(self)
        return writer.output
    }
}

/// Writes `JSONValue`s as compact JSON.
///
/// Exists so requests have one canonical text: strings escape only `"`, `\` and control characters
/// (non-ASCII is raw UTF-8, `/` is not escaped), integral doubles below 2^53 print without `.0`
/// (`215.0` → `215`, as the printer's own JSON does), and non-finite doubles print `null`.
struct JSONSerializer {
    private(set) var output: [UInt8] = []

    init() { output.reserveCapacity(256) }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            append(flag ? "true" : "false")
        case .int(let number):
            writeInteger(number)
        case .double(let number):
            writeDouble(number)
        case .string(let text):
            writeString(text)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                write(element)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (offset, entry) in object.entries.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                writeString(entry.key)
                output.append(UInt8(ascii: ":"))
                write(entry.value)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private mutating func append(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func writeInteger(_ number: Int64) {
        output.append(contentsOf: String(number).utf8)
    }

    private mutating func writeDouble(_ number: Double) {
        guard number.isFinite else {
            append("null")
            return
        }
        if number == number.rounded(.towardZero), number.magnitude < 9_007_199_254_740_992 {
            writeInteger(Int64(number))
            return
        }
        output.append(contentsOf: number.description.utf8)
    }

    private mutating func writeString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Copy runs that need no escaping in one go; most keys and values are such a run.
            var runStart = 0
            for (offset, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset]))
                writeEscape(byte)
                runStart = offset + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): append("\\\"")
        case UInt8(ascii: "\\"): append("\\\\")
        case 0x0A: append("\\n")
        case 0x0D: append("\\r")
        case 0x09: append("\\t")
        case 0x08: append("\\b")
        case 0x0C: append("\\f")
        default:
            append("\\u00")
            output.append(Self.hexDigits[Int(byte >> 4)])
            output.append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
