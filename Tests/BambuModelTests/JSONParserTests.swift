// SPDX-License-Identifier: AGPL-3.0-or-later
// Parser tests: values, numbers, escapes, limits and malformed input.

import BambuModel
import Testing

/// The parser accepts exactly RFC 8259 JSON and rejects everything else without trapping.
@Suite struct JSONParserTests {
    @Test(
        arguments: [
            ("null", JSONValue.null),
            ("true", .bool(true)),
            ("false", .bool(false)),
            ("0", .int(0)),
            ("-0", .int(0)),
            ("42", .int(42)),
            ("-17", .int(-17)),
            ("9223372036854775807", .int(Int64.max)),
            ("-9223372036854775808", .int(Int64.min)),
            ("9223372036854775808", .double(9.223372036854775808e18)),
            ("-9223372036854775809", .double(-9.223372036854775808e18)),
            ("123456789012345678901234567890", .double(1.2345678901234568e29)),
            ("1.5", .double(1.5)),
            ("-0.0", .double(-0.0)),
            ("0.0099", .double(0.0099)),
            ("1e3", .double(1000)),
            ("1E+3", .double(1000)),
            ("2.5e-3", .double(0.0025)),
            ("11.96875", .double(11.96875)),
            ("30.1", .double(30.1)),
            ("0.1", .double(0.1)),
            ("1.7976931348623157e308", .double(Double.greatestFiniteMagnitude)),
            ("5e-324", .double(Double.leastNonzeroMagnitude)),
            ("1e400", .double(Double.infinity)),
            ("1e-400", .double(0)),
            ("\"\"", .string("")),
            ("\"PLA\"", .string("PLA")),
            ("[]", .array([])),
            ("{}", .object(JSONObject())),
            ("[1,\"a\",null,true]", [1, "a", nil, true]),
            ("{\"a\":{\"b\":[1,2]}}", ["a": ["b": [1, 2]]]),
        ] as [(String, JSONValue)]
    )
    func parsesValue(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test func integersStayExactAndFractionsBecomeDouble() throws {
        #expect(try JSONValue(parsing: "215") == .int(215))
        #expect(try JSONValue(parsing: "215.0") == .double(215))
        #expect(try JSONValue(parsing: "2e2") == .double(200))
        let negativeZero = try JSONValue(parsing: "-0.0")
        guard case .double(let value) = negativeZero else {
            Issue.record("not a double")
            return
        }
        #expect(value.sign == .minus)
    }

    @Test func doublesMatchTheStandardLibrary() throws {
        let texts = [
            "3.141592653589793", "2.2250738585072014e-308", "0.30000000000000004", "123456.789e-2",
            "9007199254740993.5", "4.9406564584124654e-324", "1.0000000000000002", "98765432109876543210.5e-5",
        ]
        for text in texts {
            #expect(try JSONValue(parsing: text) == .double(Double(text) ?? .nan), "\(text)")
        }
    }

    @Test func whitespaceAroundAndInside() throws {
        let value = try JSONValue(parsing: " \t\r\n{ \"a\" :\n[ 1 , 2 ] , \"b\" : null }\n ")
        #expect(value == ["a": [1, 2], "b": nil])
    }

    @Test func objectKeepsKeyOrder() throws {
        let value = try JSONValue(parsing: #"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
    }

    @Test func repeatedKeyKeepsFirstPositionAndLastValue() throws {
        let small = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        #expect(small.objectValue?.keys == ["a", "b"])
        #expect(small["a"] == 3)

        let keys = (0..<300).map { "\"key_number_\($0)\":\($0)" }.joined(separator: ",")
        let large = try JSONValue(parsing: "{\(keys),\"key_number_3\":-3}")
        #expect(large.objectValue?.count == 300)
        #expect(large.objectValue?.keys[3] == "key_number_3")
        #expect(large["key_number_3"] == -3)
        #expect(large["key_number_299"] == 299)
        let distinct = try JSONValue(parsing: "{\(keys)}")
        #expect(distinct.objectValue?.count == 300)
    }

    @Test(arguments: [
        (#"{"a":1,"\u0061":2}"#, "a"),
        (#"{"é":1,"\u00e9":2}"#, "é"),
        (#"{"a_rather_long_key_name":1,"a_rather_long_key_nam\u0065":2}"#, "a_rather_long_key_name"),
        (#"{"x\ud83d\ude00":1,"x😀":2}"#, "x😀"),
    ])
    func repeatedKeyIsFoundWhateverItsSpelling(text: String, key: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(value.objectValue?.keys == [key])
        #expect(value[key] == 2)
    }

    @Test func keysRepairedToTheSameTextAreOneKey() throws {
        let bytes: [UInt8] = Array(#"{""#.utf8) + [0xFF] + Array(#"":1,""#.utf8) + [0xFE] + Array(#"":2}"#.utf8)
        let value = try JSONValue(parsing: bytes)
        #expect(value.objectValue?.keys == ["\u{FFFD}"])
        #expect(value["\u{FFFD}"] == 2)
    }

    @Test func repeatedShortValuesAreSharedCorrectly() throws {
        // Exercises the parser's short-string reuse with values that differ only in their last bytes.
        let text = #"[["PLA","PLB","PLA"],["0123456789abcdef","0123456789abcdeF","0123456789abcdef"],["a","a"]]"#
        let value = try JSONValue(parsing: text)
        #expect(
            value == [
                ["PLA", "PLB", "PLA"], ["0123456789abcdef", "0123456789abcdeF", "0123456789abcdef"], ["a", "a"],
            ]
        )
    }

    @Test(arguments: [
        (#""a\"b""#, "a\"b"),
        (#""a\\b""#, "a\\b"),
        (#""a\/b""#, "a/b"),
        (#""\b\f\n\r\t""#, "\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\u0000""#, "\u{0}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""x\uD834\uDD1Ey""#, "x𝄞y"),
        (#""\ud83d""#, "\u{FFFD}"),
        (#""\ude00""#, "\u{FFFD}"),
        (#""\ud83dx""#, "\u{FFFD}x"),
        (#""\ud83d\u0041""#, "\u{FFFD}A"),
        (#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"),
        ("\"\u{25BA} HEAVY\"", "\u{25BA} HEAVY"),
        ("\"sensor_altanlås\"", "sensor_altanlås"),
    ])
    func decodesStringEscapes(text: String, expected: String) throws {
        #expect(try JSONValue(parsing: text) == .string(expected))
    }

    @Test func invalidUTF8IsRepaired() throws {
        let bytes: [UInt8] = [0x22, 0x41, 0xFF, 0x42, 0xC3, 0x22]
        #expect(try JSONValue(parsing: bytes) == .string("A\u{FFFD}B\u{FFFD}"))
        let escaped: [UInt8] = [0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22]
        #expect(try JSONValue(parsing: escaped) == .string("\n\u{FFFD}"))
    }

    @Test func parsesArraySlices() throws {
        let bytes = Array("xx[1,2]yy".utf8)
        #expect(try JSONValue(parsing: bytes[2..<7]) == [1, 2])
    }

    @Test func nestingUpTo64IsAccepted() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue(parsing: text) }
        let objects = String(repeating: "{\"a\":", count: 63) + "[]" + String(repeating: "}", count: 63)
        #expect(throws: Never.self) { try JSONValue(parsing: objects) }
    }

    @Test func nestingDeeperThan64Throws() {
        let text = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: hostile) }
    }

    @Test func errorsNameTheOffset() {
        #expect(throws: JSONParseError(offset: 5, message: "expected ':'")) { try JSONValue(parsing: #"{"a" 1}"#) }
        #expect(throws: JSONParseError(offset: 2, message: "unexpected data after the value")) {
            try JSONValue(parsing: "1 x")
        }
        let error = JSONParseError(offset: 12, message: "expected ':'")
        #expect(error.description == "invalid JSON at byte 12: expected ':'")
    }

    @Test(arguments: [
        "", "   ", "nul", "tru", "falsey", "[1,]", "[1 2]", "{\"a\":1,}", "{\"a\"}", "{a:1}", "{\"a\":1 \"b\":2}",
        "\"abc", "\"a\\x\"", "\"a\\u12G4\"", "\"a\\u12\"", "\"tab\there\"", "\"new\nline\"", "01", "-", "1.", ".5",
        "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "[", "]", "{", "}", "[1]]", "{}{}", "1 2",
        "\"a\" \"b\"", "[\"a\":1]", "{\"a\",1}", "{1:2}", "\u{FEFF}1", "'a'", "[1,,2]", "-01", "1.e5", "--1", "\\",
    ])
    func malformedInputThrows(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func trailingGarbageThrows() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "{\"print\":{}} x") }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array("{}".utf8) + [0]) }
    }

    /// Random and mutated inputs must throw or parse, never trap (a cheap deterministic fuzz); what
    /// parses must serialize to text that parses back to the same text.
    @Test func randomBytesNeverTrap() throws {
        var generator = SplitMix64(seed: 0xBA3B_0001)
        let seed = Array(#"{"print":{"a":[1,2.5e3,"x\u00e9\ud83d\ude00",true,null,{"b":-0}],"c":"\n"}}"#.utf8)
        let alphabet = Array(#"{}[]":,.-+eE0123456789tfnrula\ "#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        func randomByte() -> UInt8 { alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        var parsed = 0
        for round in 0..<20_000 {
            var bytes = seed
            if round.isMultiple(of: 2) {
                for _ in 0...Int(generator.next() % 4) {
                    let position = Int(generator.next() % UInt64(bytes.count))
                    bytes[position] = randomByte()
                }
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
            } else {
                bytes = (0..<Int(generator.next() % 24)).map { _ in randomByte() }
            }
            if let value = try? JSONValue(parsing: bytes) {
                parsed += 1
                // Doubles may come back as ints (`2.0` → `2`), so compare the canonical text.
                let text = value.serializedBytes
                #expect(try JSONValue(parsing: text).serializedBytes == text)
            }
        }
        #expect(parsed > 0)
    }
}

/// A tiny deterministic generator so the fuzz test is reproducible (Rule 10: tests are deterministic).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
