// SPDX-License-Identifier: AGPL-3.0-or-later
// Serializer tests: exact compact output, escapes, number printing, round trips.

import BambuModel
import Testing

/// Requests are compared byte-exactly, so the serializer's output is pinned down character by character.
@Suite struct JSONSerializerTests {
    @Test(
        arguments: [
            (JSONValue.null, "null"),
            (true, "true"),
            (false, "false"),
            (0, "0"),
            (-42, "-42"),
            (.int(Int64.min), "-9223372036854775808"),
            (215.0, "215"),
            (-3.0, "-3"),
            (-0.0, "0"),
            (0.5, "0.5"),
            (30.1, "30.1"),
            (0.0099, "0.0099"),
            (11.96875, "11.96875"),
            (1e-7, "1e-07"),
            (9_007_199_254_740_991.0, "9007199254740991"),
            (9_007_199_254_740_992.0, "9007199254740992.0"),
            (1e17, "1e+17"),
            (1e300, "1e+300"),
            (.double(.infinity), "null"),
            (.double(-.infinity), "null"),
            (.double(.nan), "null"),
            ("", #""""#),
            ("PLA", #""PLA""#),
            ("a\"b\\c/d", #""a\"b\\c/d""#),
            ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#),
            ("\u{0}\u{1}\u{1F}\u{7F}", #""\u0000\u0001\u001f"# + "\u{7F}\""),
            ("é€😀", "\"é€😀\""),
            ([], "[]"),
            ([:], "{}"),
            ([1, "a", nil, [true]], #"[1,"a",null,[true]]"#),
        ] as [(JSONValue, String)]
    )
    func serializesExactly(value: JSONValue, expected: String) {
        #expect(value.serialized == expected)
        #expect(value.serializedBytes == Array(expected.utf8))
    }

    @Test func objectsKeepInsertionOrder() {
        let request: JSONValue = ["print": ["sequence_id": "20001", "command": "pause", "param": ""]]
        #expect(request.serialized == #"{"print":{"sequence_id":"20001","command":"pause","param":""}}"#)
        let gcode: JSONValue = ["print": ["command": "gcode_line", "param": "M104 S215.0\n", "temp": 215.0]]
        #expect(gcode.serialized == #"{"print":{"command":"gcode_line","param":"M104 S215.0\n","temp":215}}"#)
    }

    @Test func descriptionIsTheSerialization() {
        let value: JSONValue = ["a": [1, 2.5]]
        #expect(value.description == #"{"a":[1,2.5]}"#)
    }

    @Test(arguments: [
        #"{"print":{"command":"push_status","msg":0,"nozzle_temper":26.5,"hms":[],"ams":{"ams":[{"id":"0"}]}}}"#,
        #"[null,true,false,-1,0.25,"\u0001\"\\",{"":{}},[[]]]"#,
        #"{"name":"sensor_altanlås_v2","sign":"► HEAVY","emoji":"😀"}"#,
        #"{"big":9223372036854775807,"small":-9223372036854775808,"d":1.5e-10}"#,
    ])
    func compactTextRoundTripsByteForByte(text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(value.serialized == text)
        #expect(try JSONValue(parsing: value.serialized) == value)
    }

    @Test func prettyInputRoundTripsToCompact() throws {
        let value = try JSONValue(parsing: "{ \"a\" : [ 1 , 2.0 ] ,\n \"b\" : \"x/y\" }")
        #expect(value.serialized == #"{"a":[1,2],"b":"x/y"}"#)
    }
}
