// SPDX-License-Identifier: AGPL-3.0-or-later
// `PrinterState.ingest` and the reusable parser cache give exactly what a fresh parse + `apply` gives.

import BambuModel
import BridgeTestSupport
import Testing

/// The fast ingest path (a parser cache kept between reports) must not change a single value.
///
/// Each test compares against the plain path (`JSONValue(parsing:)` with a fresh cache, then
/// `PrinterState.apply`), which the rest of the suite checks against the fixtures' own values.
@Suite struct ReportIngestTests {
    /// Every shared report fixture (fixtures/reports/*.json).
    private static let fixtureNames = [
        "a1_ams_lite_pushall.json",
        "a1mini_get_version.json",
        "a1mini_pushall_idle.json",
        "h2c_pushall_failed.json",
        "h2d_external_spool_active_pushall.json",
        "h2d_pushall_and_partials.json",
        "h2s_pushall.json",
        "p1p_no_ams_pushall.json",
        "p1p_pushall_failed_job.json",
        "p1s_idle_deltas.json",
        "p1s_pushall_and_delta.json",
        "p2s_pushall.json",
        "x1_amsht_only_with_hms.json",
        "x1c_multi_ams_pushall.json",
        "x2d_pushall_with_hms.json",
    ]

    /// Ingesting every fixture's wire messages, twice over (the second pass hits the cache), gives the
    /// same state and kinds after each message as parsing fresh and applying.
    @Test(arguments: fixtureNames) func ingestEqualsParseThenApply(name: String) throws {
        let messages = try FixtureMessages.load(name).map(\.serializedBytes)
        var fast = PrinterState()
        var plain = PrinterState()
        for message in messages + messages {
            let fastKinds = try fast.ingest(message)
            let plainKinds = plain.apply(try JSONValue(parsing: message))
            #expect(fastKinds == plainKinds)
            #expect(fast.print == plain.print)
            #expect(fast.versionModules == plain.versionModules)
            #expect(fast == plain)
        }
    }

    /// One cache shared by all fixtures (many strings, many slot collisions) parses each stored file,
    /// indented as stored, to the same value as a fresh parse, on the first and on later passes.
    @Test func sharedCacheParsesEveryFixtureLikeAFreshParse() throws {
        var cache = JSONParseCache()
        for _ in 0..<3 {
            for name in Self.fixtureNames {
                let bytes = try Fixtures.readBytes(Fixtures.reportPath(name))
                let cached = try JSONValue(parsing: bytes, cache: &cache)
                #expect(cached == (try JSONValue(parsing: bytes)), "\(name)")
            }
        }
    }

    /// Strings the cache must tell apart: same length, same first and last eight bytes, different middle.
    @Test func longStringsDifferingOnlyInTheMiddleStayDistinct() throws {
        var cache = JSONParseCache()
        let first = "01234567" + "abcdefghijkl" + "89ABCDEF"
        let second = "01234567" + "abcdefXhijkl" + "89ABCDEF"
        let text = #"{"a":"\#(first)","b":"\#(second)","c":"\#(first)","\#(first)":1,"\#(second)":2}"#
        for _ in 0..<3 {
            let value = try JSONValue(parsing: Array(text.utf8), cache: &cache)
            #expect(value["a"] == .string(first))
            #expect(value["b"] == .string(second))
            #expect(value["c"] == .string(first))
            #expect(value.objectValue?.keys == ["a", "b", "c", first, second])
        }
    }

    /// A repeated long key is found as a duplicate whether its string came from the cache or not.
    @Test func repeatedLongKeysCollapseWithAWarmCache() throws {
        var cache = JSONParseCache()
        let key = "a_key_longer_than_sixteen_bytes"
        let text = #"{"\#(key)":1,"other":true,"\#(key)":2}"#
        for _ in 0..<3 {
            let value = try JSONValue(parsing: Array(text.utf8), cache: &cache)
            #expect(value == ["a_key_longer_than_sixteen_bytes": 2, "other": true])
        }
    }

    /// Escapes, non-ASCII text, repaired invalid UTF-8 and very long strings give the same strings from
    /// a warm cache as from a fresh parse.
    @Test func unusualStringsAreTheSameFromAWarmCache() throws {
        let long = String(repeating: "x", count: 200)
        var texts: [[UInt8]] = [
            Array(#"["tab\tand \"quote\" and \\ and \/ and \u00e9 and \ud83d\ude00 plus padding","ünïcødé string, long","\#(long)","short","é"]"#.utf8),
            Array(#"{"name_with_escape\n_longer_than_16":"value_without_escape_long","name_with_escape\n_longer_than_16":0}"#.utf8),
        ]
        // Invalid UTF-8 (a lone continuation byte, a truncated sequence) in a long and a short string.
        texts.append(Array(#"["abcdefgh"#.utf8) + [0x80] + Array(#"ijklmnopqrstu","ab"#.utf8) + [0xE2, 0x82] + Array(#""]"#.utf8))
        var cache = JSONParseCache()
        for _ in 0..<3 {
            for text in texts {
                let cached = try JSONValue(parsing: text, cache: &cache)
                #expect(cached == (try JSONValue(parsing: text)))
            }
        }
        let repaired = try JSONValue(parsing: texts[2], cache: &cache)
        #expect(repaired.arrayValue?.first == .string("abcdefgh\u{FFFD}ijklmnopqrstu"))
    }

    /// A text that fails half way leaves the cache usable, and an ingest that fails changes no state.
    @Test func failedParsesLeaveCacheAndStateIntact() throws {
        var cache = JSONParseCache()
        let good = Array(#"{"print":{"command":"push_status","nozzle_temper":210.5,"gcode_state":"RUNNING_A_LONG_STATE"}}"#.utf8)
        let broken = Array(#"{"print":{"command":"push_status","nozzle_temper":210.5,"gcode_state":"RUNNING_A_LONG_STATE","#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: broken, cache: &cache) }
        #expect(try JSONValue(parsing: good, cache: &cache) == (try JSONValue(parsing: good)))
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: broken, cache: &cache) }
        #expect(try JSONValue(parsing: good, cache: &cache) == (try JSONValue(parsing: good)))

        var state = PrinterState()
        #expect(try state.ingest(good) == [.status])
        let before = state
        #expect(throws: JSONParseError.self) { try state.ingest(broken) }
        #expect(throws: JSONParseError.self) { try state.ingest(Array("garbage".utf8)) }
        #expect(state == before)
        #expect(state.gcodeState == "RUNNING_A_LONG_STATE")
    }

    // MARK: Merging straight from the scanned text

    /// Ingests `texts` in turn into a copy of `start` and applies their plain parse to another copy;
    /// after each text the kinds, the states and the states' serialized bytes (which tell `-0.0` from
    /// `0.0`) must be identical, and a text that does not parse must throw the plain parser's error.
    /// Printers of every model taking turns with one lent cache (as the daemon's pool lends it) end
    /// with exactly the states they reach with a cache each, after every message.
    @Test func statesTakingTurnsWithOneCacheIngestLikeWithTheirOwn() throws {
        let streams = try Self.fixtureNames.map { try FixtureMessages.load($0).map(\.serializedBytes) }
        var own = streams.map { _ in PrinterState() }
        var lent = streams.map { _ in PrinterState() }
        var pool = JSONParseCache()
        for round in 0..<2 {
            for step in 0..<(streams.map(\.count).max() ?? 0) {
                for index in streams.indices where step < streams[index].count {
                    let message = streams[index][step]
                    let ownKinds = try own[index].ingest(message)
                    lent[index].exchangeParseCache(&pool)
                    let lentKinds = try lent[index].ingest(message)
                    lent[index].exchangeParseCache(&pool)
                    let label = "\(Self.fixtureNames[index]) message \(step) round \(round)"
                    #expect(lentKinds == ownKinds, "\(label)")
                    #expect(
                        JSONValue.object(lent[index].print).isIdentical(to: .object(own[index].print)), "\(label)")
                    #expect(lent[index] == own[index], "\(label)")
                }
            }
        }
    }

    private func expectIngestMatchesApply(
        _ texts: [[UInt8]], from start: PrinterState = PrinterState(), sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var fast = start
        var plain = start
        for text in texts {
            let label = String(decoding: text.prefix(200), as: UTF8.self)
            switch Result(catching: { () throws(JSONParseError) in try JSONValue(parsing: text) }) {
            case .success(let message):
                let plainKinds = plain.apply(message)
                #expect((try? fast.ingest(text)) == plainKinds, "\(label)", sourceLocation: sourceLocation)
            case .failure(let error):
                #expect(throws: error, "\(label)", sourceLocation: sourceLocation) { try fast.ingest(text) }
            }
            #expect(fast == plain, "\(label)", sourceLocation: sourceLocation)
            #expect(
                JSONValue.object(fast.print).isIdentical(to: .object(plain.print)), "\(label)", sourceLocation: sourceLocation)
        }
    }

    /// Each fixture's messages merged into the state every other fixture left (other models, other
    /// key orders, AMS units and trays that come and go): the scan-and-merge path and parse + apply agree.
    @Test(arguments: fixtureNames) func ingestIntoEveryOtherFixtureStateEqualsApply(name: String) throws {
        let messages = try FixtureMessages.load(name).map(\.serializedBytes)
        for base in Self.fixtureNames {
            var start = PrinterState()
            for message in try FixtureMessages.load(base) { _ = start.apply(message) }
            expectIngestMatchesApply(messages + messages, from: start)
        }
    }

    /// The stored, indented files (whitespace everywhere, both modules in one text) ingest like a plain parse.
    @Test func indentedStoredFilesIngestLikeAPlainParse() throws {
        for name in Self.fixtureNames {
            let bytes = try Fixtures.readBytes(Fixtures.reportPath(name))
            guard case .object(let document) = try JSONValue(parsing: bytes) else { continue }
            // A stored file groups messages by name ({"pushall":{"print":{...}}}); each group is one message.
            let messages = document.values.map(\.serializedBytes)
            expectIngestMatchesApply(messages + [bytes] + messages)
        }
    }

    /// Texts the scan hands to the plain parser, or that merge at the edges of the rules, from an empty
    /// state and from a full X1C state.
    @Test func unusualReportsIngestLikeParseThenApply() throws {
        let texts: [String] = [
            #"{"print":{"command":"push_status","msg":0,"bed_temper":0.0,"nozzle_temper":1,"gcode_state":"RUNNING"}}"#,
            // The same value in another case or sign: replaced, never kept.
            #"{"print":{"bed_temper":-0.0,"nozzle_temper":1.0,"gcode_state":"RUNNING"}}"#,
            #"{"print":{"bed_temper":0,"nozzle_temper":1e0,"gcode_state":"RUN\u004eING"}}"#,
            #"{"print":{"gcode_state":"RUN\u004eING","mc_percent":"12"}}"#,
            // Repeated keys, escaped and non-ASCII keys: left to the plain parser.
            #"{"print":{"mc_percent":1,"mc_percent":{"a":1}}}"#,
            #"{"print":{"layer_num":1},"print":{"layer_num":2}}"#,
            #"{"print":{"nozzle\u005ftemper":33}}"#,
            #"{"print":{"température":33,"K":1}}"#,
            #"{"print":{"\u212a":2}}"#,
            #"{"print":{"K":3}}"#,
            // Trays and units: emptied, appended, reordered, ids as strings and numbers.
            #"{"print":{"ams":{"ams_exist_bits":"3","ams":[{"id":"1","tray":[{"id":"2","tray_type":"ABS"}]},{"id":0,"tray":[{"id":"0"},{"id":1,"state":3}]}]}}}"#,
            #"{"print":{"vt_tray":{"id":"254"},"ams":{"ams":[{"id":"0","tray":[{"id":"1","remain":5}]}]}}}"#,
            #"{"print":{"vt_tray":{"id":"254","tray_type":"PLA"},"ams":{"ams":[{"id":"0","tray":[{"tray_type":"PLA"}]}]}}}"#,
            #"{"print":{"ams":{"ams_exist_bits":"1","ams":[]}}}"#,
            #"{"print":{"msg":0,"ams":{"ams":[{"id":"3","tray":[]}]}}}"#,
            #"{"print":{"ams":{"ams_exist_bits":"zz","ams":{"id":"0"}}}}"#,
            #"{"print":{"ams":[1,2],"hms":[{"id":1,"attr":2}],"lights_report":[{"node":"chamber_light","mode":"on"}]}}"#,
            #"{"print":{"hms":[{"id":1,"attr":3}],"device":{"extruder":{"info":[{"id":1,"temp":2},{"id":0,"temp":3}]}}}}"#,
            #"{"print":{"device":{"extruder":{"info":[{"id":1,"temp":4}]}},"s_obj":[],"stg":[1]}}"#,
            #"{"print":{"device":{"extruder":{"info":{"id":1}}},"s_obj":{"a":null},"stg":"x"}}"#,
            // Commands, other modules, and messages that are not status bodies.
            #"{"print":{"command":"gcode_line","sequence_id":"7","result":"success"}}"#,
            #"{"print":{"command":7,"layer_num":9}}"#,
            #"{"print":{"command":"push_\u0073tatus","layer_num":10}}"#,
            #"{"info":{"command":"get_version","module":[{"name":"ota","sw_ver":"01.02"}]},"print":{"layer_num":11}}"#,
            #"{"system":{"command":"ledctrl","result":"failed","reason":"busy"}}"#,
            #"{"print":[]}"#, #"{"print":{}}"#, "{}", "[]", "1", #""print""#, "null",
            // Not JSON: the plain parser's error, and no change.
            #"{"print":{"layer_num":12,}}"#, #"{"print":{"layer_num":13}"#, #"{"print":{"layer_num":"\x"}}"#,
            #"{"print":{"layer_num":14}} x"#, "",
        ]
        var byteTexts = texts.map { Array($0.utf8) }
        // Invalid UTF-8 in a value and in a key (repaired to U+FFFD by the parser).
        byteTexts.append(Array(#"{"print":{"gcode_state":"RUN"#.utf8) + [0xFF] + Array(#"","x"#.utf8) + [0xC3] + Array(#"":1}}"#.utf8))
        byteTexts.append(Array(#"{"print":{"gcode_state":"RUN\ufffd","x\ufffd":2}}"#.utf8))
        let x1c = try FixtureMessages.load("x1c_multi_ams_pushall.json")
        var full = PrinterState()
        for message in x1c { _ = full.apply(message) }
        for start in [PrinterState(), full] {
            expectIngestMatchesApply(byteTexts + byteTexts, from: start)
            // One at a time too, so each edge case meets the untouched starting state.
            for text in byteTexts { expectIngestMatchesApply([text], from: start) }
        }
        // A stored key canonically equal to, but spelled differently from, the key a later report sends
        // (KELVIN SIGN and "K"): both paths find the stored key rather than adding a second one.
        expectIngestMatchesApply([#"{"print":{"\u212a":1,"x":0}}"#, #"{"print":{"K":2,"x":1}}"#].map { Array($0.utf8) })
        // Values spelled differently but canonically equal ("K" and KELVIN SIGN, precomposed and
        // decomposed é), escaped or raw, both ways round: the new spelling replaces the stored one.
        let spellings = [#""K""#, #""\u212a""#, "\"\u{212A}\"", #""\u00e9""#, #""e\u0301""#, "\"\u{E9}\"", "\"e\u{301}\""]
        for first in spellings {
            for second in spellings {
                expectIngestMatchesApply(
                    [#"{"print":{"a":\#(first),"b":{"c":\#(first)}}}"#, #"{"print":{"a":\#(second),"b":{"c":\#(second)}}}"#]
                        .map { Array($0.utf8) })
            }
        }
        // A stored object large enough to be indexed (over 32 keys), holding two canonically equal keys.
        let many = (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        expectIngestMatchesApply(
            [#"{"print":{"\u212a":1,"K":2,\#(many)}}"#, #"{"print":{"K":3,"k5":6}}"#, #"{"print":{"k39":1,"K":4}}"#]
                .map { Array($0.utf8) })
        // Nesting at the parser's limit (64) and one past it.
        for depth in [63, 64, 65] {
            let nested = String(repeating: #"{"n":"#, count: depth - 2) + "1" + String(repeating: "}", count: depth - 2)
            expectIngestMatchesApply([Array(#"{"print":{"n":\#(nested)}}"#.utf8)])
        }
    }

    /// A report that repeats the stored state except at one place, for every place in turn (a number,
    /// a string, a key, a count, a type, inside objects, record arrays, `hms`, an emptied `vt_tray`):
    /// the merge, which compares each container with the stored one first and is then told where they
    /// first differ, ends where parse + apply does, and so does the next report sent unchanged.
    @Test func aReportDifferingAtAnyOnePlaceMergesLikeParseThenApply() throws {
        let base = #"""
            {"print":{"a":1,"o":{"x":1,"y":{"z":[1,2,{"q":"s"}],"w":"t"},"v":2.5},"ams":{"ams":[{"id":"0","humidity":"5","tray":[{"id":"0","tray_type":"PLA","remain":5},{"id":"1","tray_type":"PETG","remain":7}]},{"id":"1","tray":[{"id":"0","tray_type":"ABS"}]}],"ams_exist_bits":"3"},"hms":[{"attr":1,"code":2}],"vt_tray":{"id":"254","tray_type":"PLA"},"lights_report":[{"node":"chamber_light","mode":"on"}],"z":"end"}}
            """#
        // Each is a change at one place of `base`: (text to find, what replaces it).
        let changes: [(String, String)] = [
            (#""a":1"#, #""a":2"#), (#""x":1"#, #""x":1.0"#), (#""x":1"#, #""X":1"#), (#"[1,2,"#, #"[1,3,"#),
            (#""q":"s""#, #""q":"S""#), (#""q":"s""#, #""q":"s","r":1"#), (#"[1,2,{"q":"s"}]"#, #"[1,2]"#),
            (#""w":"t""#, #""w":["t"]"#), (#""v":2.5"#, #""v":2.25"#), (#""humidity":"5""#, #""humidity":"4""#),
            (#""remain":7"#, #""remain":8"#), (#"{"id":"1","tray_type":"PETG","remain":7}"#, #"{"id":"1"}"#),
            (#"{"id":"0","tray_type":"ABS"}"#, #"{"id":"1","tray_type":"ABS"}"#), (#""id":"1","tray":["#, #""id":1,"tray":["#),
            (#"{"id":"1","tray":[{"id":"0","tray_type":"ABS"}]}"#, #"{"id":"2","tray":[]}"#),
            (#""ams_exist_bits":"3""#, #""ams_exist_bits":"1""#), (#""code":2"#, #""code":3"#),
            (#""vt_tray":{"id":"254","tray_type":"PLA"}"#, #""vt_tray":{"id":"254"}"#), (#""mode":"on""#, #""mode":"off""#),
            (#""z":"end""#, #""z":"end","new":{"k":[1]}"#), (#""o":{"#, #""o2":{"#),
        ]
        for (find, replacement) in changes {
            #expect(base.contains(find), "\(find)")
            let changed = base.replacing(find, with: replacement, maxReplacements: 1)
            let texts = [base, changed, base, changed].map { Array($0.utf8) }
            expectIngestMatchesApply(texts)
            var start = PrinterState()
            _ = try start.ingest(Array(base.utf8))
            // From a state whose key order differs from the reports' (positions do not line up).
            _ = try start.ingest(Array(#"{"print":{"o":{"v":1,"x":0},"a":0}}"#.utf8))
            expectIngestMatchesApply(texts, from: start)
        }
    }

    /// Numbers the scan leaves to the full reader (17 significant digits and more, exponents, integers
    /// past 18 digits) are kept with their text and reused: each reads as parse + apply reads it, also
    /// when two texts share a memo slot (same first eight bytes and length), when the run of number
    /// characters is not a number, and when the text ends with the number.
    @Test func numbersReadAgainFromTheMemoIngestLikeParseThenApply() throws {
        let numbers = [
            "0.019999999552965164", "0.019999990000000001", "0.019999999552965164", "0.01999999955296516e0",
            "-0.019999999552965164", "12345678901234567890", "-9223372036854775808", "9223372036854775808",
            "1e400", "-1E-400", "1.5e+3", "0.0000000000000000000000000000001", "0.00000000000000000000000000000001",
            "0.000000000000000000000000000000001", "100000000000000000000000000000000000",
        ]
        var texts: [String] = []
        for number in numbers {
            texts.append(#"{"print":{"k":\#(number),"n":[\#(number),1]}}"#)
        }
        // Runs of number characters that are not one number: never kept as one.
        texts += [
            #"{"print":{"k":1.5-3}}"#, #"{"print":{"k":0.019999999552965164-1}}"#,
            #"{"print":{"k":0.019999999552965164e}}"#, #"{"print":{"k":0.019999999552965164x}}"#,
            #"{"print":{"k":00.019999999552965164}}"#,
        ]
        let bytes = texts.map { Array($0.utf8) }
        expectIngestMatchesApply(bytes + bytes.reversed() + bytes)
        // The number as the whole text, then inside a report.
        expectIngestMatchesApply(["0.019999999552965164", #"{"print":{"k":0.019999999552965164}}"#, "0.019999999552965164"].map { Array($0.utf8) })
        // Slot neighbours taking turns in one state: each keeps its own value.
        var state = PrinterState()
        for round in 0..<3 {
            for (text, value) in [("0.019999999552965164", 0.019999999552965164), ("0.019999990000000001", 0.019999990000000001)] {
                _ = try state.ingest(Array(#"{"print":{"k":\#(text)}}"#.utf8))
                #expect(state.print["k"] == .double(value), "round \(round): \(text)")
            }
        }
    }

    /// Objects past the key filter's capacity (128 keys) and record arrays past a search's length (16)
    /// go through sets and indexes: keys repeated early, late, or among keys that share a fingerprint
    /// (same length, same first and last eight bytes), keys and records sent in reverse order, ids as
    /// strings and numbers, records appended, and units a full report no longer lists. Each ends as
    /// parse + apply does, and as the rules say it must.
    @Test func wideObjectsAndLongRecordArraysMergeByTheRules() throws {
        func members(_ keys: [String], _ value: (Int) -> String) -> String {
            keys.enumerated().map { #""\#($1)":\#(value($0))"# }.joined(separator: ",")
        }
        let plain = (0..<300).map { "key\($0)" }
        // 300 keys with one fingerprint: "aaaaaaaa" + 6 digits + "bbbbbbbb".
        let alike = (0..<300).map { index in "aaaaaaaa" + String(repeating: "0", count: 6 - String(index).count) + "\(index)bbbbbbbb" }
        for keys in [plain, alike] {
            let forward = #"{"print":{\#(members(keys) { "\($0)" })}}"#
            let reversed = #"{"print":{\#(members(keys.reversed()) { "\($0 + 1000)" })}}"#
            let nested = #"{"print":{"o":{\#(members(keys) { "\($0)" })}}}"#
            let nestedReversed = #"{"print":{"o":{\#(members(keys.reversed()) { "\($0 + 1000)" })}}}"#
            // A key repeated after the filter's capacity, and one repeated within it.
            let lateRepeat = #"{"print":{\#(members(keys) { "\($0)" }),"\#(keys[200])":"late"}}"#
            let earlyRepeat = #"{"print":{\#(members(Array(keys.prefix(10))) { "\($0)" }),"\#(keys[3])":"early",\#(members(Array(keys.dropFirst(10))) { "\($0)" })}}"#
            let texts = [forward, reversed, nested, nestedReversed, lateRepeat, earlyRepeat].map { Array($0.utf8) }
            expectIngestMatchesApply(texts + texts)
            // Each into an empty state too, where an object is built whole from the text.
            for text in texts { expectIngestMatchesApply([text]) }

            var state = PrinterState()
            for text in texts.prefix(2) { _ = try state.ingest(text) }
            #expect(state.print.keys == keys)  // stored order kept
            #expect(state.print[keys[0]] == .int(1299) && state.print[keys[299]] == .int(1000))
            _ = try state.ingest(texts[4])
            #expect(state.print.keys == keys && state.print[keys[200]] == .string("late"))
            let repeated = try JSONValue(parsing: texts[5])["print"]?.objectValue
            #expect(repeated?.keys == keys && repeated?[keys[3]] == .string("early"))
            #expect(try JSONValue(parsing: texts[4])["print"]?.objectValue?.count == 300)
        }

        // 300 AMS units, then the same in reverse order with ids as numbers and a new unit, then a
        // full report listing every other one.
        func units(_ ids: [Int], numeric: Bool, humidity: Int) -> String {
            ids.map { id in
                let text = numeric ? "\(id)" : "\"\(id)\""
                return #"{"id":\#(text),"humidity":"\#(humidity + id)"}"#
            }.joined(separator: ",")
        }
        let ids = Array(0..<300)
        let texts = [
            #"{"print":{"ams":{"ams":[\#(units(ids, numeric: false, humidity: 0))]}}}"#,
            #"{"print":{"ams":{"ams":[\#(units(ids.reversed() + [500], numeric: true, humidity: 1000))]}}}"#,
            #"{"print":{"msg":0,"ams":{"ams":[\#(units(ids.filter { $0 % 2 == 0 }, numeric: false, humidity: 2000))]}}}"#,
        ].map { Array($0.utf8) }
        expectIngestMatchesApply(texts + texts)
        var state = PrinterState()
        _ = try state.ingest(texts[0])
        _ = try state.ingest(texts[1])
        var stored = state.print["ams"]?["ams"]?.arrayValue ?? []
        #expect(stored.count == 301)
        #expect(stored.first?["id"] == .int(0) && stored.first?["humidity"] == .string("1000"))  // merged in place
        #expect(stored.last?["id"] == .int(500))  // appended
        _ = try state.ingest(texts[2])
        stored = state.print["ams"]?["ams"]?.arrayValue ?? []
        #expect(stored.count == 150 && stored.allSatisfy { ($0["id"]?.intValue ?? 1) % 2 == 0 })
        #expect(stored[1]["humidity"] == .string("2002"))

        // Two stored records with one id: a record with that id merges into the first, as a search finds.
        let twins = (0..<40).map { #"{"id":\#($0 == 39 ? 7 : $0),"v":0}"# }.joined(separator: ",")
        let twinTexts = [#"{"print":{"s":[\#(twins)]}}"#, #"{"print":{"s":[{"id":1,"v":1},{"id":"7","v":2}]}}"#]
            .map { Array($0.utf8) }
        expectIngestMatchesApply(twinTexts)
        var twinState = PrinterState()
        for text in twinTexts { _ = try twinState.ingest(text) }
        let records = twinState.print["s"]?.arrayValue ?? []
        #expect(records.count == 40)
        #expect(records[1]["v"] == .int(1) && records[7]["v"] == .int(2) && records[7]["id"] == .string("7"))
        #expect(records[39]["v"] == .int(0))
    }

    /// Large members sent again byte for byte are left unread once the merge found them identical
    /// (`UnchangedMembers`), and every way the stored value can change makes the next report read
    /// them again: the state stays what parse + apply gives after every report. Each step below
    /// fails if the memo is not dropped when it should be (the full report after it would then keep
    /// the changed value).
    @Test func membersSentAgainUnchangedAreSkippedUntilTheStateChanges() throws {
        let units = #"[{"id":"0","humidity":"5","tray":[{"id":"0","tray_type":"PLA","remain":5},{"id":"1","tray_type":"PETG"}]},{"id":"1","humidity":"3","tray":[{"id":"0","tray_type":"ABS"}]}]"#
        let lights = #"[{"node":"chamber_light","mode":"on"},{"node":"work_light","mode":"flashing"}]"#
        func full(units: String = units, lights: String = lights, command: String = "push_status", temper: Int = 20)
            -> String
        {
            #"{"print":{"nozzle_temper":\#(temper),"ams":{"ams":\#(units),"ams_exist_bits":"3"},"lights_report":\#(lights),"upgrade_state":{"status":"IDLE","new_ver_list":[],"module":"null","message":"","idle":true},"command":"\#(command)","msg":0}}"#
        }
        let version = #"{"info":{"command":"get_version","sequence_id":"1","module":[{"name":"ota","sw_ver":"01.08.00.00","hw_ver":"OTA","sn":"00M00A000000001"},{"name":"ams/0","sw_ver":"00.00.06.40","hw_ver":"AMS08","sn":"006000000000001"}]}}"#
        var state = PrinterState()
        for text in [full(), full(temper: 21), full(temper: 22)] { _ = try state.ingest(Array(text.utf8)) }
        // `ams`, `lights_report` and `upgrade_state` were found identical by the second report.
        #expect(state.unchangedMemberCount == 3)
        for text in [version, version] { _ = try state.ingest(Array(text.utf8)) }
        #expect(state.unchangedMemberCount == 4)

        let texts = [
            full(), full(), full(temper: 25),
            // A delta changes a remembered member: the full report after it must bring the old value back.
            #"{"print":{"ams":{"ams":[{"id":"0","humidity":"4"}]},"msg":1}}"#, full(), full(),
            // One byte differs inside a remembered member (same length).
            full(units: units.replacing(#""remain":5"#, with: #""remain":6"#)), full(), full(),
            // The members in another order.
            #"{"print":{"lights_report":\#(lights),"ams":{"ams":\#(units),"ams_exist_bits":"3"},"nozzle_temper":20}}"#,
            full(), full(),
            // The plain parser's path (an escaped key) changes the stored object.
            #"{"print":{"lights_report":[{"node":"chamber_light","mode":"off"}],"n\u0061me":1}}"#, full(), full(),
            // Rule 5 removes a unit the full report then lists again.
            #"{"print":{"ams":{"ams_exist_bits":"1"},"msg":1}}"#, full(), full(),
            // A full report that lists only one unit removes the other (rule 5), then both again.
            full(units: #"[{"id":"0","humidity":"5","tray":[{"id":"0","tray_type":"PLA","remain":5},{"id":"1","tray_type":"PETG"}]}]"#),
            full(), full(),
            // Not a status report: an acknowledgement whose body holds remembered bytes is built whole.
            full(command: "extrusion_cali_get"), full(),
            // Another container where one was, and back.
            #"{"print":{"lights_report":"none"}}"#, full(), full(),
            // The modules change and come back.
            version, version.replacing("01.08.00.00", with: "01.09.00.00"), version, version,
            version.replacing(#""command":"get_version""#, with: #""command":"get_version_x""#), version,
        ].map { Array($0.utf8) }
        expectIngestMatchesApply(texts, from: state)
    }

    /// An identical scalar is kept rather than rebuilt, and a changed one replaces it in place.
    @Test func identicalValuesAreKeptAndChangedOnesReplaced() throws {
        var state = PrinterState()
        let long = "a_gcode_file_name_well_over_sixteen_bytes.gcode"
        _ = try state.ingest(Array(#"{"print":{"gcode_file":"\#(long)","mc_percent":5,"nozzle_temper":20.5}}"#.utf8))
        _ = try state.ingest(Array(#"{"print":{"gcode_file":"\#(long)","mc_percent":6,"nozzle_temper":20.5}}"#.utf8))
        #expect(state.print["gcode_file"] == .string(long))
        #expect(state.print["mc_percent"] == .int(6))
        #expect(state.print.keys == ["gcode_file", "mc_percent", "nozzle_temper"])
        _ = try state.ingest(Array(#"{"print":{"nozzle_temper":21,"bed_temper":30}}"#.utf8))
        #expect(state.print["nozzle_temper"] == .int(21))
        #expect(state.print.keys == ["gcode_file", "mc_percent", "nozzle_temper", "bed_temper"])
    }

    /// The identity the checks above rely on tells apart what `==` does not, and nothing else.
    @Test func identitySeesSignsAndSpellings() {
        #expect(!JSONValue.double(-0.0).isIdentical(to: .double(0.0)))
        #expect(JSONValue.double(-0.0) == .double(0.0))
        #expect(!JSONValue.string("\u{212A}").isIdentical(to: .string("K")))
        #expect(!JSONValue(dictionaryLiteral: ("\u{212A}", 1)).isIdentical(to: ["K": 1]))
        #expect(!JSONValue.int(1).isIdentical(to: .double(1)))
        let value: JSONValue = ["a": [1, 2.5, "é", nil, true], "b": ["c": -0.0]]
        #expect(value.isIdentical(to: value))
        #expect(!value.isIdentical(to: ["b": ["c": -0.0], "a": [1, 2.5, "é", nil, true]]))
    }
}
