// SPDX-License-Identifier: AGPL-3.0-or-later
// Benchmark 2: parse + merge of each report fixture, in thread CPU time.

import BambuModel

#if canImport(Glibc)
import Glibc
#endif

/// Times `JSONValue(parsing:)` + `PrinterState.apply` over the shared report fixtures.
///
/// Exists to give the daemon's per-report cost next to bambu-printer-manager's (Benchmarks/ingest.py
/// feeds it the same wire messages, written by `--dump`). Thread CPU time is used so other processes
/// on the machine do not inflate the figure.
enum ReportIngest {
    /// One fixture's messages as a printer sends them: compact JSON, one MQTT payload each.
    struct Stream {
        var name: String
        var stored: [UInt8]
        var messages: [[UInt8]]
        var bytes: Int { messages.reduce(0) { $0 + $1.count } }
    }

    static func run(fixtures directory: String, seconds: Double, dump: String?) {
        let names = listJSON(directory)
        guard !names.isEmpty else { fail("no *.json under \(directory)") }
        for name in names {
            let stream = load(directory + "/" + name, name: name)
            if let dump { write(stream, to: dump) }
            report(stream, seconds: seconds)
        }
        // The goal's figure: the stored (indented, 24 KB) X1C file parsed whole, its reports merged.
        let x1c = "x1c_multi_ams_pushall.json"
        if names.contains(x1c) { reportStored(load(directory + "/" + x1c, name: x1c), seconds: seconds) }
    }

    /// Runs the measured work exactly `iterations` times, untimed, so `valgrind --tool=callgrind` can
    /// count its instructions (a loaded machine does not change them): `streams` = the steady ingest of
    /// every fixture's stream, `changing` = the stream with every number changed and then as sent (two
    /// streams per iteration), `stored` = the stored X1C file parsed and merged, `stored-ingest` = its messages ingested as the daemon does, `stored-parse` = only parsed (`-cold`: with a fresh parser cache each time).
    static func count(fixtures directory: String, iterations: Int, stage: String) {
        let names = listJSON(directory)
        guard !names.isEmpty else { fail("no *.json under \(directory)") }
        for name in names {
            let stream = load(directory + "/" + name, name: name)
            var state = PrinterState()
            for message in stream.messages { apply(message, to: &state) }
            let stored = stream.stored
            var cache = JSONParseCache()
            switch stage {
            case "streams":
                for _ in 0..<iterations {
                    for message in stream.messages { apply(message, to: &state) }
                }
            case "changing":
                // As the timed run's changing figure: the stream with every number changed, then as sent.
                let changed = stream.messages.map(perturbed)
                for _ in 0..<iterations {
                    for message in changed { apply(message, to: &state) }
                    for message in stream.messages { apply(message, to: &state) }
                }
            case "stored":
                for _ in 0..<iterations {
                    guard let document = try? JSONValue(parsing: stored, cache: &cache) else { fail("\(name) is not JSON") }
                    for message in unwrap(document) { _ = state.apply(message) }
                }
            case "stored-ingest":
                let texts = storedMessages(stored)
                for _ in 0..<iterations {
                    for text in texts { apply(text, to: &state) }
                }
            case "stored-parse":
                for _ in 0..<iterations { _ = try? JSONValue(parsing: stored, cache: &cache) }
            case "stored-parse-cold":
                for _ in 0..<iterations { _ = try? JSONValue(parsing: stored) }
            default:
                fail("unknown stage \(stage)")
            }
            blackHole(state)
        }
        print(#"{"bench":"ingest-count","stage":"\#(stage)","iterations":\#(iterations),"fixtures":\#(names.count)}"#)
    }

    private static func report(_ stream: Stream, seconds: Double) {
        // Steady state: the printer's state already holds these reports (every report after the first).
        var state = PrinterState()
        for message in stream.messages { apply(message, to: &state) }
        let steady = measure(seconds: seconds) {
            for message in stream.messages { apply(message, to: &state) }
        }
        // Changing: every other pass sends the stream with each number changed (ids kept), so the merge
        // replaces ~200 values per report instead of finding them all identical.
        let changed = stream.messages.map(perturbed)
        var changing = PrinterState()
        for message in stream.messages { apply(message, to: &changing) }
        let changingCost = measure(seconds: seconds) {
            for message in changed { apply(message, to: &changing) }
            for message in stream.messages { apply(message, to: &changing) }
        } / 2
        // The path before the merge read the scanned text: a whole tree parsed, then merged.
        var plain = PrinterState()
        var cache = JSONParseCache()
        for message in stream.messages { applyParsed(message, to: &plain, cache: &cache) }
        let plainSteady = measure(seconds: seconds) {
            for message in stream.messages { applyParsed(message, to: &plain, cache: &cache) }
        }
        let plainChanging = measure(seconds: seconds) {
            for message in changed { applyParsed(message, to: &plain, cache: &cache) }
            for message in stream.messages { applyParsed(message, to: &plain, cache: &cache) }
        } / 2
        // First contact: the reports merged into an empty state (after a connect).
        let first = measure(seconds: seconds / 2) {
            var fresh = PrinterState()
            for message in stream.messages { apply(message, to: &fresh) }
            blackHole(fresh)
        }
        let perReport = steady / Double(stream.messages.count)
        let megabytesPerSecond = Double(stream.bytes) / steady  // bytes per µs = MB/s
        print(
            #"{"bench":"ingest","fixture":"\#(stream.name)","messages":\#(stream.messages.count),"#
                + #""wire_bytes":\#(stream.bytes),"steady_us_per_stream":\#(formatted(steady, digits: 2)),"#
                + #""steady_us_per_report":\#(formatted(perReport, digits: 2)),"mb_per_s":\#(formatted(megabytesPerSecond)),"#
                + #""changing_us_per_stream":\#(formatted(changingCost, digits: 2)),"#
                + #""plain_steady_us_per_stream":\#(formatted(plainSteady, digits: 2)),"#
                + #""plain_changing_us_per_stream":\#(formatted(plainChanging, digits: 2)),"#
                + #""first_us_per_stream":\#(formatted(first, digits: 2))}"#)
    }

    private static func reportStored(_ stream: Stream, seconds: Double) {
        // The daemon's path on the stored bytes: each message of the file (its `pushall` and
        // `get_version` texts, indented as stored) ingested into a state that already holds them.
        let texts = storedMessages(stream.stored)
        var state = PrinterState()
        for text in texts { apply(text, to: &state) }
        let steady = measure(seconds: seconds) {
            for text in texts { apply(text, to: &state) }
        }
        var changing = PrinterState()
        let changed = texts.map(perturbed)
        for text in texts { apply(text, to: &changing) }
        let changingCost = measure(seconds: seconds) {
            for text in changed { apply(text, to: &changing) }
            for text in texts { apply(text, to: &changing) }
        } / 2
        // The figure before: the whole file parsed into a tree (with a printer's cache), then each
        // report merged.
        var plain = PrinterState()
        var cache = JSONParseCache()
        let stored = stream.stored
        func ingestStored() {
            guard let document = try? JSONValue(parsing: stored, cache: &cache) else { fail("\(stream.name) is not JSON") }
            for message in unwrap(document) { _ = plain.apply(message) }
        }
        ingestStored()
        let plainSteady = measure(seconds: seconds) { ingestStored() }
        // The parse alone, to split the cost between the parser and the merge; "cold" = a fresh cache
        // every time (`JSONValue(parsing:)`, a one-off text).
        let parseOnly = measure(seconds: seconds) { _ = try? JSONValue(parsing: stored, cache: &cache) }
        let parseCold = measure(seconds: seconds) { _ = try? JSONValue(parsing: stored) }
        print(
            #"{"bench":"ingest-stored","fixture":"\#(stream.name)","stored_bytes":\#(stored.count),"#
                + #""ingested_bytes":\#(texts.reduce(0) { $0 + $1.count }),"#
                + #""steady_us":\#(formatted(steady, digits: 2)),"changing_us":\#(formatted(changingCost, digits: 2)),"#
                + #""plain_steady_us":\#(formatted(plainSteady, digits: 2)),"#
                + #""parse_only_us":\#(formatted(parseOnly, digits: 2)),"#
                + #""parse_only_cold_us":\#(formatted(parseCold, digits: 2)),"#
                + #""mb_per_s":\#(formatted(Double(stored.count) / steady))}"#)
    }

    /// Parses with a printer's cache into a whole tree, then merges: `ingest` before it merged from the scan.
    @inline(__always)
    private static func applyParsed(_ message: [UInt8], to state: inout PrinterState, cache: inout JSONParseCache) {
        guard let value = try? JSONValue(parsing: message, cache: &cache) else { fail("a wire message is not JSON") }
        _ = state.apply(value)
    }

    /// The message with every number changed (integers + 1, others + 0.25), except `id` and `msg`.
    private static func perturbed(_ message: [UInt8]) -> [UInt8] {
        func change(_ value: JSONValue, key: String?) -> JSONValue {
            switch value {
            case .int(let number) where key != "id" && key != "msg": return .int(number &+ 1)
            case .double(let number) where key != "id": return .double(number + 0.25)
            case .array(let elements): return .array(elements.map { change($0, key: nil) })
            case .object(let object):
                var changed = JSONObject()
                for (name, member) in object { changed[name] = change(member, key: name) }
                return .object(changed)
            default: return value
            }
        }
        guard let value = try? JSONValue(parsing: message) else { fail("a wire message is not JSON") }
        return change(value, key: nil).serializedBytes
    }

    /// The byte ranges of a stored file's top-level member values (each one MQTT message, as stored).
    private static func storedMessages(_ bytes: [UInt8]) -> [[UInt8]] {
        var texts: [[UInt8]] = []
        var depth = 0
        var inString = false
        var escaped = false
        var start = 0
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth == 2 { start = offset }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 2 { texts.append(Array(bytes[start...offset])) }
                depth -= 1
            default: break
            }
        }
        return texts
    }

    @inline(__always)
    private static func apply(_ message: [UInt8], to state: inout PrinterState) {
        // As the daemon does (PrinterSession): parse with the printer's own cache, then merge.
        guard (try? state.ingest(message)) != nil else { fail("a wire message is not JSON") }
    }

    /// Runs `body` repeatedly for about `seconds` of thread CPU time; µs of CPU per call (best of 5 rounds).
    private static func measure(seconds: Double, _ body: () -> Void) -> Double {
        body()
        // Calibrate: how many calls fill a tenth of the budget.
        var calls = 1
        while true {
            let start = threadCPUNanoseconds()
            for _ in 0..<calls { body() }
            let spent = Double(threadCPUNanoseconds() - start) / 1e9
            if spent >= seconds / 10 || calls >= 1 << 24 { break }
            calls *= 2
        }
        var best = Double.infinity
        for _ in 0..<5 {
            let start = threadCPUNanoseconds()
            for _ in 0..<calls { body() }
            best = min(best, Double(threadCPUNanoseconds() - start) / 1000 / Double(calls))
        }
        return best
    }

    @inline(never)
    private static func blackHole(_ state: PrinterState) { _ = state.print.count }

    // MARK: Fixtures

    private static func listJSON(_ directory: String) -> [String] {
        guard let handle = opendir(directory) else { fail("cannot open \(directory)") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".json") { names.append(name) }
        }
        return names.sorted()
    }

    private static func load(_ path: String, name: String) -> Stream {
        guard let file = fopen(path, "rb") else { fail("cannot read \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard let document = try? JSONValue(parsing: bytes) else { fail("\(path) is not JSON") }
        return Stream(name: name, stored: bytes, messages: unwrap(document).map(\.serializedBytes))
    }

    /// The MQTT messages a fixture holds, full reports first (as Tests/BambuModelTests/FixtureMessages.swift).
    static func unwrap(_ document: JSONValue) -> [JSONValue] {
        if let messages = document.arrayValue { return messages }
        guard let wrapper = document.objectValue else { return [] }
        if let message = wrapper["message"] { return [message] }
        var full: [JSONValue] = []
        var partial: [JSONValue] = []
        var version: [JSONValue] = []
        for (key, value) in wrapper {
            switch key {
            case "source", "_meta": continue
            case "get_version": version.append(wrapped(value, in: "info"))
            case "pushall", "push_all": full.append(wrapped(value, in: "print"))
            case "deltas": partial += (value.arrayValue ?? []).map { wrapped($0, in: "print") }
            default: partial.append(wrapped(value, in: "print"))
            }
        }
        return full + partial + version
    }

    private static func wrapped(_ value: JSONValue, in module: String) -> JSONValue {
        value[module] != nil ? value : .object(JSONObject([module: value]))
    }

    /// Appends the stream to `path` as `<fixture>\t<message>` lines, for the Python side by side.
    private static func write(_ stream: Stream, to path: String) {
        guard let file = fopen(path, "ab") else { fail("cannot write \(path)") }
        defer { fclose(file) }
        for message in stream.messages {
            let line = Array(stream.name.utf8) + [0x09] + message + [0x0A]
            _ = line.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        }
    }
}
