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
}
