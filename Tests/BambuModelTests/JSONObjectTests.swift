// SPDX-License-Identifier: AGPL-3.0-or-later
// JSONObject editing semantics and JSONValue's lenient accessors.

import BambuModel
import Testing

/// Object editing keeps key order stable, and the accessors decode the printer's sloppy types.
@Suite struct JSONObjectTests {
    @Test func settingKeepsPositionAndNilRemoves() {
        var object = JSONObject(["a": 1, "b": 2, "c": 3])
        object["b"] = "two"
        object["d"] = 4
        #expect(object.keys == ["a", "b", "c", "d"])
        #expect(object["b"] == "two")
        object["a"] = nil
        object["missing"] = nil
        #expect(object.keys == ["b", "c", "d"])
        #expect(object.count == 3)
        #expect(!object.isEmpty)
        #expect(JSONObject().isEmpty)
    }

    @Test func largeObjectsStayConsistentThroughEdits() {
        var object = JSONObject()
        for number in 0..<40 { object["k\(number)"] = .int(Int64(number)) }
        #expect(object.count == 40)
        #expect(object["k39"] == 39)
        for number in stride(from: 0, to: 40, by: 3) { object["k\(number)"] = nil }
        #expect(object.count == 26)
        #expect(object["k3"] == nil)
        #expect(object["k4"] == 4)
        #expect(object["k38"] == 38)
        object["k4"] = "four"
        object["k0"] = 0
        #expect(object.keys.first == "k1")
        #expect(object.keys.last == "k0")
        #expect(object["k4"] == "four")
        for number in 0..<40 { object["k\(number)"] = nil }
        #expect(object.isEmpty)
        object["again"] = true
        #expect(object["again"] == true)
    }

    @Test func iteratesInOrder() {
        let object: JSONObject = ["z": 1, "y": "2", "x": nil]
        #expect(object.map(\.key) == ["z", "y", "x"])
        #expect(object.map(\.value) == [1, "2", nil])
        #expect(object.values == [1, "2", nil])
    }

    @Test func equalityIsOrdered() {
        #expect(JSONObject(["a": 1, "b": 2]) == JSONObject(["a": 1, "b": 2]))
        #expect(JSONObject(["a": 1, "b": 2]) != JSONObject(["b": 2, "a": 1]))
    }

    @Test func dictionaryLiteralRepeatedKeyKeepsFirstPosition() {
        let value: JSONValue = ["a": 1, "b": 2, "a": 3]
        #expect(value.serialized == #"{"a":3,"b":2}"#)
    }

    @Test(arguments: [
        (JSONValue.int(15), 15 as Int?),
        (.double(7), 7),
        (.double(7.5), nil),
        (.double(.infinity), nil),
        ("15", 15),
        ("-1", -1),
        ("100.0", 100),
        ("30.1", nil),
        ("0x10", nil),
        ("nan", nil),
        ("", nil),
        (" 1", nil),
        (true, nil),
        (nil, nil),
        (.array([1]), nil),
    ])
    func intValue(value: JSONValue, expected: Int?) {
        #expect(value.intValue == expected)
    }

    @Test(arguments: [
        (JSONValue.int(3), 3.0 as Double?),
        (.double(26.5), 26.5),
        ("30.1", 30.1),
        ("-67", -67),
        ("1e2", 100),
        ("inf", nil),
        ("-nan", nil),
        ("-67dBm", nil),
        (false, nil),
        (nil, nil),
    ])
    func doubleValue(value: JSONValue, expected: Double?) {
        #expect(value.doubleValue == expected)
    }

    @Test(arguments: [
        (JSONValue.bool(true), true as Bool?),
        (.bool(false), false),
        ("true", true),
        ("False", false),
        (1, true),
        (0, false),
        (2, nil),
        ("yes", nil),
        (1.0, nil),
        (nil, nil),
    ])
    func boolValue(value: JSONValue, expected: Bool?) {
        #expect(value.boolValue == expected)
    }

    @Test func typedAccessorsMatchOnlyTheirCase() {
        let object: JSONValue = ["a": [1], "s": "text"]
        #expect(object["a"]?.arrayValue == [1])
        #expect(object["s"]?.stringValue == "text")
        #expect(object["a"]?.stringValue == nil)
        #expect(object.objectValue?.keys == ["a", "s"])
        #expect(object.arrayValue == nil)
        #expect(JSONValue.int(1).stringValue == nil)
        #expect(JSONValue.string("x")["a"] == nil)
        #expect(object["missing"] == nil)
    }
}
