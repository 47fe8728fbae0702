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
            for position in 0..<object.count {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                writeString(object.storedKeys[position])
                output.append(UInt8(ascii: ":"))
                write(object.storedValues[position])
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
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""):
                output.append(UInt8(ascii: "\\"))
                output.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(UInt8(ascii: "\\"))
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0..<0x20:
                append("\\u00")
                output.append(Self.hexDigits[Int(byte >> 4)])
                output.append(Self.hexDigits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
