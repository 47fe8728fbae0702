// SPDX-License-Identifier: AGPL-3.0-or-later
// A JSON value with lenient accessors for the sloppy types Bambu printers send.

/// One JSON value, as the printer sends it and as requests are built.
///
/// Exists because the core may import only the standard library (no Foundation `JSONSerialization`),
/// because reports must be merged as untyped trees (bambu-lan.md §2.1: every report is a patch and
/// unknown keys must survive), and because requests are compared byte-exactly, so object key order is
/// kept (`JSONObject`). Integers without fraction or exponent stay exact in `.int`.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

// MARK: - Lenient accessors

extension JSONValue {
    /// The member `key` of an object; `nil` for a missing key or when this is not an object.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The text of a `.string`; `nil` for every other case (numbers are not converted).
    package var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// An integer from `.int`, an integral `.double`, or a numeric string such as `"15"` or `"-1"`.
    ///
    /// Printers send numbers as strings (`"cooling_fan_speed":"15"`, AMS fields), bambu-lan.md §2.1.
    /// A numeric string with an integral fraction (`"100.0"`) also counts; anything else is `nil`.
    package var intValue: Int? {
        switch self {
        case .int(let value):
            return Int(exactly: value)
        case .double(let value):
            return Int(exactly: value)
        case .string(let text):
            if let value = Int(text) { return value }
            guard let value = JSONValue.finiteDouble(text) else { return nil }
            return Int(exactly: value)
        default:
            return nil
        }
    }

    /// A number from `.int`, `.double`, or a numeric string such as `"30.1"` (finite values only).
    package var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .string(let text): JSONValue.finiteDouble(text)
        default: nil
        }
    }

    /// A flag from `.bool`, the strings `"true"` / `"false"` (any case), or the integers 0 and 1.
    package var boolValue: Bool? {
        switch self {
        case .bool(let value):
            return value
        case .int(let value):
            switch value {
            case 0: return false
            case 1: return true
            default: return nil
            }
        case .string(let text):
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The members of an `.object`; `nil` otherwise.
    package var objectValue: JSONObject? {
        guard case .object(let object) = self else { return nil }
        return object
    }

    /// The elements of an `.array`; `nil` otherwise.
    package var arrayValue: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    /// Parses a decimal number from a string, refusing `nan`, `inf` and hex floats that `Double.init` accepts.
    private static func finiteDouble(_ text: String) -> Double? {
        guard let first = text.utf8.first,
            first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                || first == UInt8(ascii: ".") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        else { return nil }
        guard !text.utf8.contains(UInt8(ascii: "x")), !text.utf8.contains(UInt8(ascii: "X")),
            let value = Double(text), value.isFinite
        else { return nil }
        return value
    }
}

// MARK: - Identity

extension JSONValue {
    /// Whether two values are the same down to the bytes: `==` except that doubles compare by bit
    /// pattern (`-0.0` is not `0.0`) and strings and keys by their UTF-8 (`"\u{212A}"` is not `"K"`,
    /// though Swift's `==` finds them equal). Object members compare in order.
    ///
    /// For tests and fuzzers that must prove two ways of building a state give the very same one.
    package func isIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.double(let left), .double(let right)):
            return left.bitPattern == right.bitPattern
        case (.string(let left), .string(let right)):
            return left.utf8.elementsEqual(right.utf8)
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.isIdentical(to: $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count
                && zip(left, right).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value.isIdentical(to: $1.value) }
        default:
            return self == other
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByStringLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    package init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    package init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    package init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Builds an object keeping the literal's key order (a repeated key keeps its first position, last value).
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    package init(nilLiteral: ()) { self = .null }
}

extension JSONValue: CustomStringConvertible {
    /// The compact serialization, so test failures and diagnostics show real JSON.
    package var description: String { serialized }
}
