// SPDX-License-Identifier: AGPL-3.0-or-later
// A strict RFC 8259 parser over raw bytes that never traps, whatever the input.

/// Why a byte sequence is not JSON, and where.
package struct JSONParseError: Error, Equatable, CustomStringConvertible {
    /// The byte offset where parsing stopped.
    package var offset: Int
    /// What was expected or wrong there, e.g. `expected ':'`.
    package var message: String

    package init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    package var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Parses one JSON text (RFC 8259), surrounded by optional whitespace.
    ///
    /// - Throws: `JSONParseError` for malformed input, trailing data, or nesting deeper than 64.
    package init(parsing bytes: [UInt8]) throws(JSONParseError) {
        self = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try JSONParser.parse(buffer)
        }
    }

    /// Parses one JSON text from a slice of a larger buffer (offsets in errors are relative to the slice).
    package init(parsing bytes: ArraySlice<UInt8>) throws(JSONParseError) {
        self = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try JSONParser.parse(buffer)
        }
    }

    /// Parses one JSON text, reusing (and updating) what earlier texts taught the parser in `cache`.
    ///
    /// A printer sends the same keys and values report after report, so a cache kept per printer
    /// turns most strings into a lookup. The result is the same as `init(parsing:)`'s.
    package init(parsing bytes: [UInt8], cache: inout JSONParseCache) throws(JSONParseError) {
        self = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try JSONParser.parse(buffer, cache: &cache)
        }
    }

    /// Parses one JSON text from a string's UTF-8.
    package init(parsing text: String) throws(JSONParseError) {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer) }
        }
        self = try result.get()
    }
}

/// What a parser keeps from one text to the next: short strings already built and container sizes.
///
/// Exists so a printer's reports, which repeat the same keys and values every time, can reuse the
/// strings and capacities of the previous report instead of validating and allocating them again
/// (each `PrinterState` has one; the daemon lends states caches from a small pool instead,
/// `PrinterState.exchangeParseCache(_:)`). Holds up to 512 strings of up to 96 bytes (a 20 KB
/// table): 256 sets cost 6 % more instructions (callgrind) and 7–10 % more time on an X1C report
/// stream than 512 sets, and save about 38 KB per printer with the strings they keep alive: 3.8 MB of
/// a 100-printer daemon's 60 (BENCHMARKS.md, benchmarks 2 and 3).
package struct JSONParseCache: Sendable {
    fileprivate var strings: [JSONParser.CachedString]
    fileprivate var objectSizeHints: [Int]
    fileprivate var arraySizeHints: [Int]
    fileprivate var fingerprintStack: [UInt64]
    fileprivate var numberMemo: [JSONParser.MemoizedNumber]
    fileprivate var memberSpans: [JSONParser.MemberSpan] = []

    /// How many bits of a string's fingerprint choose its set: 2^bits sets of two strings.
    fileprivate let setBits: Int

    /// Whether strings longer than 16 bytes are cached too (worth it only across texts).
    fileprivate let cachesLongStrings: Bool

    /// An empty cache for a stream of texts: 256 sets of two strings.
    package init() {
        self.init(setBits: 8, cachesLongStrings: true)
    }

    /// An empty cache with 2^`setBits` sets (1...16); one-off texts use a small one, which is cheaper to set up.
    init(setBits: Int, cachesLongStrings: Bool) {
        self.setBits = min(max(setBits, 1), 16)
        self.cachesLongStrings = cachesLongStrings
        // Allocated by the first parse (`allocateIfEmpty`): a copy of a state that never parsed (a
        // session kept to start from) then holds no table of its own (BENCHMARKS.md, benchmark 3).
        strings = []
        objectSizeHints = []
        arraySizeHints = []
        fingerprintStack = []
        numberMemo = []
    }

    /// Gives the cache its tables if it has none yet.
    fileprivate mutating func allocateIfEmpty() {
        guard strings.isEmpty else { return }
        strings = Array(repeating: JSONParser.CachedString(), count: 2 << setBits)
        objectSizeHints = Array(repeating: 0, count: JSONParser.maximumDepth + 1)
        arraySizeHints = Array(repeating: 0, count: JSONParser.maximumDepth + 1)
        numberMemo = Array(repeating: JSONParser.MemoizedNumber(), count: JSONParser.numberMemoSize)
    }
}

/// The recursive-descent parser behind `JSONValue.init(parsing:)`.
///
/// Exists as its own type to keep the cursor and depth in one place. It reads from an
/// `UnsafeBufferPointer` and checks every index against the count itself, so no input can make it
/// read out of bounds or trap (reports come from the network and the parser is fuzzed).
struct JSONParser: ~Copyable {
    /// Nesting deeper than this is rejected (protects the stack from hostile input).
    static let maximumDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    /// The duplicate-check fingerprint of the last string parsed, or 0 when it was not computed there.
    private var lastStringFingerprint: UInt64 = 0
    /// Short strings seen in this text, by content. Reports repeat the same keys and values (every AMS
    /// tray has the same 23 keys), so most strings are reused instead of being validated and built again.
    private var stringCache: [CachedString]
    /// `64 - setBits` of the cache: shifting a fingerprint by it gives the string's set.
    private let cacheSetShift: UInt64
    /// The longest string looked up in and added to the cache.
    private let longestCachedString: Int
    /// Fingerprints of the keys of the objects being parsed, innermost last (for the duplicate check).
    private var fingerprintStack: [UInt64] = []
    /// The size of the last object / array finished at each depth (capped at 256). Reports repeat shapes
    /// (every AMS tray has the same keys), so reserving that much usually allocates each container once.
    private var objectSizeHints: [Int]
    private var arraySizeHints: [Int]
    /// Numbers the scan's own reading leaves to `parseNumber`, by text (see `MemoizedNumber`).
    private var numberMemo: [MemoizedNumber]
    /// The tokens of a text scanned by `withTape` (none for a plain parse): `tokenCount` of them in
    /// storage the parser allocates, grows and frees itself, so appending a token is a store and a
    /// count (no uniqueness or capacity checks of an `Array` per token).
    private var tokens: UnsafeMutablePointer<JSONToken>?
    private var tokenCount = 0
    private var tokenCapacity = 0
    /// The decoded text of tape strings that held escapes, by `JSONToken.payload`.
    private var decodedStrings: [String] = []
    /// The keys of wide objects on the tape (see `WideObjectKeys`); empty for reports.
    private var wideObjectKeys = WideObjectKeys()
    /// What the last reports sent unchanged (see `UnchangedMembers`); read by the scan, then emptied.
    private var unchangedMembers = UnchangedMembers()
    /// The level of the next object the scan enters (the message object sets it for its `print` and
    /// `info` values).
    private var nextObjectLevel = UnchangedMembers.Level.none
    /// The large container members of `print` and `info` on the tape, which the memo could keep.
    private var memberSpans: [MemberSpan] = []

    /// A parser that owns the cache's storage while it runs (moved in, so updates never copy it).
    private init(_ bytes: UnsafeBufferPointer<UInt8>, cache: inout JSONParseCache) {
        self.bytes = bytes
        cacheSetShift = UInt64(64 - cache.setBits)
        longestCachedString = cache.cachesLongStrings ? Self.longestCachedLongString : 16
        stringCache = []
        objectSizeHints = []
        arraySizeHints = []
        numberMemo = []
        cache.allocateIfEmpty()
        swap(&stringCache, &cache.strings)
        swap(&objectSizeHints, &cache.objectSizeHints)
        swap(&arraySizeHints, &cache.arraySizeHints)
        swap(&fingerprintStack, &cache.fingerprintStack)
        swap(&numberMemo, &cache.numberMemo)
        swap(&memberSpans, &cache.memberSpans)
    }

    deinit { tokens?.deallocate() }

    /// Gives the cache's storage back, with what this text added.
    private mutating func returnStorage(to cache: inout JSONParseCache) {
        swap(&stringCache, &cache.strings)
        swap(&objectSizeHints, &cache.objectSizeHints)
        swap(&arraySizeHints, &cache.arraySizeHints)
        fingerprintStack.removeAll(keepingCapacity: true)  // a failed parse leaves entries behind
        swap(&fingerprintStack, &cache.fingerprintStack)
        swap(&numberMemo, &cache.numberMemo)
        if !memberSpans.isEmpty { memberSpans.removeAll(keepingCapacity: true) }
        swap(&memberSpans, &cache.memberSpans)
    }

    /// Parses a complete JSON text from `bytes`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        // A one-off text: its own repeats (short keys, mostly) are all there is to reuse.
        var cache = JSONParseCache(setBits: 7, cachesLongStrings: false)
        return try parse(bytes, cache: &cache)
    }

    /// Parses a complete JSON text from `bytes`, reusing and updating `cache`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, cache: inout JSONParseCache) throws(JSONParseError)
        -> JSONValue
    {
        var parser = JSONParser(bytes, cache: &cache)
        defer { parser.returnStorage(to: &cache) }
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected data after the value") }
        return value
    }

    // MARK: Scanning helpers

    private func error(_ message: String) -> JSONParseError {
        JSONParseError(offset: position, message: message)
    }

    @inline(__always)
    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    @inline(__always)
    private mutating func skipWhitespace() {
        // Most calls find a token at once: one comparison decides (whitespace is 0x09...0x20).
        guard position < bytes.count, bytes[position] <= 0x20 else { return }
        var cursor = position
        defer { position = cursor }
        while cursor < bytes.count {
            switch bytes[cursor] {
            case 0x20:
                // Pretty-printed input indents with runs of spaces: skip to the first non-space byte of
                // the next eight (the lowest non-zero byte of `word ^ spaces`).
                guard bytes.count - cursor >= 8 else {
                    cursor += 1
                    continue
                }
                let others = word(at: cursor) ^ 0x2020_2020_2020_2020
                cursor += others == 0 ? 8 : others.trailingZeroBitCount >> 3
            case 0x09, 0x0A, 0x0D:
                cursor += 1
            default:
                return
            }
        }
    }

    /// The eight bytes at `offset` as a little-endian word; the caller guarantees they are in bounds.
    @inline(__always)
    private func word(at offset: Int) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        return UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
    }

    @inline(__always)
    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParseError) {
        guard position < bytes.count, bytes[position] == byte else { throw error("expected \(what)") }
        position += 1
    }

    // MARK: Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let length = word.utf8CodeUnitCount
        guard bytes.count - position >= length else { throw error("invalid literal") }
        let start = word.utf8Start
        for offset in 0..<length where bytes[position + offset] != start[offset] {
            throw error("invalid literal")
        }
        position += length
        return value
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth)") }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // [
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array([])
        }
        var elements: [JSONValue] = []
        elements.reserveCapacity(max(arraySizeHints[depth], 4))
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard let byte = peek() else { throw error("expected ',' or ']'") }
            if byte == UInt8(ascii: "]") { break }
            guard byte == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
            position += 1
            skipWhitespace()
        }
        position += 1
        arraySizeHints[depth] = min(elements.count, 256)
        depth -= 1
        return .array(Self.trimmed(elements))
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(JSONObject())
        }
        var members: [JSONObject.Entry] = []
        members.reserveCapacity(max(objectSizeHints[depth], 4))
        let fingerprintStart = fingerprintStack.count
        // Duplicate keys are rare but legal. A 1,024-bit filter of key fingerprints, then the fingerprints
        // themselves, find candidates without hashing or comparing strings.
        var seenKeys = KeyFilter()
        // Past `KeyFilter.capacity` keys, a set of them instead (see `WideObjectKeys`): the keys before
        // `wideNext` are in it. `String` hashing agrees with `==` (canonical equivalence).
        var wideKeys: Set<String> = []
        var wideNext = 0
        var mayHaveDuplicates = false
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            if !mayHaveDuplicates {
                let fingerprint = lastStringFingerprint != 0 ? lastStringFingerprint : Self.fingerprint(of: key)
                if seenKeys.insert(fingerprint) {
                    if members.count < KeyFilter.capacity {
                        mayHaveDuplicates =
                            fingerprintStack[fingerprintStart...].contains(fingerprint) && members.contains(where: { $0.key == key })
                    } else {
                        while wideNext < members.count {
                            wideKeys.insert(members[wideNext].key)
                            wideNext += 1
                        }
                        mayHaveDuplicates = !wideKeys.insert(key).inserted
                    }
                }
                fingerprintStack.append(fingerprint)
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let value = try parseValue()
            members.append(JSONObject.Entry(key: key, value: value))
            skipWhitespace()
            guard let byte = peek() else { throw error("expected ',' or '}'") }
            if byte == UInt8(ascii: "}") { break }
            guard byte == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
            position += 1
            skipWhitespace()
        }
        position += 1
        objectSizeHints[depth] = min(members.count, 256)
        depth -= 1
        fingerprintStack.removeSubrange(fingerprintStart...)
        return .object(JSONObject(parsedEntries: Self.trimmed(members), mayHaveDuplicates: mayHaveDuplicates))
    }

    /// Drops spare capacity left by a size hint that did not fit, so parsed trees stay proportional to
    /// their input (a hostile text cannot make thousands of tiny objects each reserve a large buffer).
    @inline(__always)
    private static func trimmed<Element>(_ elements: [Element]) -> [Element] {
        elements.capacity > 2 * elements.count + 8 ? Array(elements[...]) : elements
    }

    /// A 1024-bit Bloom filter over key fingerprints (their top ten bits), on the stack.
    ///
    /// Large enough that the ~100 keys of a `print` body rarely collide (each collision costs a
    /// comparison with the object's earlier keys); one word is read and written per key.
    struct KeyFilter {
        /// Sixteen words (a tuple rather than `InlineArray`, which needs Swift 6.2; the package builds with 6.0).
        private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

        /// The keys of one object checked with the filter; past them, both parsers keep a set of keys
        /// instead (comparing every candidate with every earlier key would grow with the square of
        /// the count). Reports have up to 99 keys in an object.
        static let capacity = 128

        /// Adds a fingerprint; returns whether its bit was already set (a possible duplicate).
        @inline(__always)
        mutating func insert(_ fingerprint: UInt64) -> Bool {
            let offset = Int(truncatingIfNeeded: fingerprint >> 60) &* 8  // the word: 0...15, in bounds
            let bit: UInt64 = 1 << ((fingerprint >> 54) & 63)
            return withUnsafeMutableBytes(of: &words) { words in
                let old = words.load(fromByteOffset: offset, as: UInt64.self)
                words.storeBytes(of: old | bit, toByteOffset: offset, as: UInt64.self)
                return old & bit != 0
            }
        }
    }

    // MARK: Strings

    /// A remembered short string and the bytes it was built from.
    struct CachedString: Sendable {
        var head: UInt64 = 0
        var tail: UInt64 = 0
        var count = 0
        var text = ""
    }

    /// Parses a string starting at its opening quote. Invalid UTF-8 is repaired with U+FFFD.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        lastStringFingerprint = 0
        skipPlainRun()
        guard position < bytes.count else { throw error("unterminated string") }
        let byte = bytes[position]
        if byte == UInt8(ascii: "\"") {
            let text = makeString(start..<position)
            position += 1
            return text
        }
        if byte < 0x20 { throw error("control character in string") }
        return try parseEscapedString(from: start)
    }

    /// Moves `position` to the first `"`, `\`, or control byte at or after it, or to the end.
    @inline(__always)
    private mutating func skipPlainRun() {
        var cursor = position
        defer { position = cursor }
        while bytes.count - cursor >= 8 {
            // Bit tricks that flag bytes equal to '"' or '\' or below 0x20. The lowest flag is always a
            // true match (borrows only propagate upwards), so it gives the exact offset.
            let chunk = word(at: cursor)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highBits: UInt64 = 0x8080_8080_8080_8080
            let quote = chunk ^ (ones &* 0x22)
            let backslash = chunk ^ (ones &* 0x5C)
            let flags =
                ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (chunk &- ones &* 0x20) & ~chunk)
                & highBits
            if flags != 0 {
                cursor += flags.trailingZeroBitCount >> 3
                return
            }
            cursor += 8
        }
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return }
            cursor += 1
        }
    }

    /// Builds the string for raw bytes without escapes, reusing a cached one for short ASCII text.
    @inline(__always)
    private mutating func makeString(_ range: Range<Int>) -> String {
        let count = range.count
        guard count > 0 else { return "" }
        guard count <= 16 else { return makeLongString(range) }
        // Two words hold all the bytes of a string of up to 16 bytes, so they identify it exactly.
        let head: UInt64
        let tail: UInt64
        if count >= 8 {
            head = word(at: range.lowerBound)
            tail = word(at: range.upperBound - 8)
        } else {
            head =
                bytes.count - range.lowerBound >= 8
                ? word(at: range.lowerBound) & (1 << (UInt64(count) * 8) - 1)
                : Self.words(of: UnsafeBufferPointer(rebasing: bytes[range])).head
            tail = 0
        }
        guard (head | tail) & 0x8080_8080_8080_8080 == 0 else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        // ASCII: the raw bytes are the string's UTF-8, so the fingerprint matches `fingerprint(of:)`.
        let fingerprint = Self.fingerprint(head: head, tail: tail, count: count)
        lastStringFingerprint = fingerprint
        let set = cacheSet(fingerprint)
        let first = stringCache[set]
        if first.count == count && first.head == head && first.tail == tail { return first.text }
        let second = stringCache[set + 1]
        if second.count == count && second.head == head && second.tail == tail { return second.text }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        remember(CachedString(head: head, tail: tail, count: count, text: text), inSet: set)
        return text
    }

    /// Strings longer than this are always built afresh (serial numbers, UUIDs and URLs are shorter).
    static let longestCachedLongString = 96

    /// Builds the string for raw bytes of 17 or more bytes without escapes, reusing a cached one when
    /// its UTF-8 is exactly these bytes (compared in full, so a cache slot shared by two strings only
    /// costs a rebuild).
    private mutating func makeLongString(_ range: Range<Int>) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[range])
        guard raw.count <= longestCachedString else { return String(decoding: raw, as: UTF8.self) }
        let head = word(at: range.lowerBound)
        let tail = word(at: range.upperBound - 8)
        let fingerprint = Self.fingerprint(head: head, tail: tail, count: raw.count)
        let set = cacheSet(fingerprint)
        for way in set...set + 1 {
            let cached = stringCache[way]
            if cached.count == raw.count && cached.head == head && cached.tail == tail,
                cached.text.utf8.withContiguousStorageIfAvailable({ Self.sameBytes($0, raw) }) == true
            {
                // The cached text's UTF-8 is these bytes, so this fingerprint is also `fingerprint(of:)`'s.
                lastStringFingerprint = fingerprint
                return cached.text
            }
        }
        let text = String(decoding: raw, as: UTF8.self)
        remember(CachedString(head: head, tail: tail, count: raw.count, text: text), inSet: set)
        return text
    }

    /// The first of the two cache entries (a set) where a string with this fingerprint may be.
    @inline(__always)
    private func cacheSet(_ fingerprint: UInt64) -> Int {
        Int(truncatingIfNeeded: fingerprint >> cacheSetShift) &* 2
    }

    /// Stores a new string as the set's first entry; the previous first becomes the second, so two
    /// strings that share a set (a report has ~400 distinct ones) both stay instead of evicting each other.
    @inline(__always)
    private mutating func remember(_ entry: CachedString, inSet set: Int) {
        stringCache.withUnsafeMutableBufferPointer { entries in
            entries[set + 1] = entries[set]
            entries[set] = entry
        }
    }

    /// Whether two buffers of the same length (at least eight bytes) hold the same bytes.
    @inline(__always)
    private static func sameBytes(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count, lhs.count >= 8, let left = lhs.baseAddress, let right = rhs.baseAddress else {
            return lhs.elementsEqual(rhs)
        }
        var offset = 0
        while offset + 8 <= lhs.count {
            if UnsafeRawPointer(left + offset).loadUnaligned(as: UInt64.self)
                != UnsafeRawPointer(right + offset).loadUnaligned(as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        let last = lhs.count - 8
        return UnsafeRawPointer(left + last).loadUnaligned(as: UInt64.self)
            == UnsafeRawPointer(right + last).loadUnaligned(as: UInt64.self)
    }

    /// The first eight bytes and (for eight or more bytes) the last eight bytes as little-endian words.
    private static func words(of bytes: UnsafeBufferPointer<UInt8>) -> (head: UInt64, tail: UInt64) {
        var head: UInt64 = 0
        var tail: UInt64 = 0
        for (offset, byte) in bytes.prefix(8).enumerated() { head |= UInt64(byte) << (UInt64(offset) * 8) }
        if bytes.count >= 8 {
            for (offset, byte) in bytes.suffix(8).enumerated() { tail |= UInt64(byte) << (UInt64(offset) * 8) }
        }
        return (head, tail)
    }

    /// A 64-bit hash of a string's UTF-8 (length, first and last eight bytes); never 0.
    ///
    /// Equal strings always hash equally, which is all the duplicate-key filter needs; unequal keys
    /// that collide only cost a string comparison.
    private static func fingerprint(head: UInt64, tail: UInt64, count: Int) -> UInt64 {
        let mixed = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
        return (mixed ^ (mixed >> 29)) &* 0xBF58_476D_1CE4_E5B9 | 1
    }

    /// The fingerprint of a decoded string (keys with escapes, non-ASCII or longer than 16 bytes).
    private static func fingerprint(of text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            let words = words(of: bytes)
            return fingerprint(head: words.head, tail: words.tail, count: bytes.count)
        }
    }

    /// The slow path: copies bytes into a buffer while decoding escapes.
    private mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(position - start + 16)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try decodeEscape(into: &buffer)
            case 0..<0x20:
                throw error("control character in string")
            default:
                buffer.append(byte)
                position += 1
            }
        }
        throw error("unterminated string")
    }

    /// Decodes the escape after a backslash (the cursor is on the escape letter).
    private mutating func decodeEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
        guard let letter = peek() else { throw error("unterminated string") }
        position += 1
        switch letter {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            var scalar: Unicode.Scalar?
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate must be followed by `\u` and a low surrogate; otherwise it is replaced.
                if bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                {
                    let saved = position
                    position += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                    } else {
                        position = saved  // decode the second escape on its own
                    }
                }
            } else {
                scalar = Unicode.Scalar(unit)  // nil for a lone low surrogate
            }
            appendUTF8(scalar?.value ?? 0xFFFD, to: &buffer)
        default:
            position -= 1
            throw error("invalid escape")
        }
    }

    /// Appends the UTF-8 encoding of a valid scalar value.
    private func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            buffer.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            buffer.append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
            buffer.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            buffer.append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
            buffer.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        default:
            buffer.append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
            buffer.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
            buffer.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw error("expected four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("expected four hex digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    // MARK: Numbers

    /// Parses `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    ///
    /// Integers that fit `Int64` become `.int`; everything else `.double`. Doubles whose digits fit in 53
    /// bits and whose decimal exponent is within ±22 are computed exactly (Clinger's fast path); the rest
    /// go through the standard library's correctly rounded conversion.
    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard let first = peek(), isDigit(first) else { throw error("expected a digit") }

        // Integer part, accumulated as a magnitude while it fits.
        var magnitude: UInt64 = 0
        var overflow = false
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek(), isDigit(next) { throw error("leading zero in number") }
        } else {
            while let byte = peek(), isDigit(byte) {
                accumulate(byte, into: &magnitude, overflow: &overflow)
                position += 1
            }
        }

        var isInteger = true
        var fractionDigits = 0
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let byte = peek(), isDigit(byte) else { throw error("expected a digit after '.'") }
            while let byte = peek(), isDigit(byte) {
                accumulate(byte, into: &magnitude, overflow: &overflow)
                fractionDigits += 1
                position += 1
            }
        }

        var exponent = 0
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            var exponentNegative = false
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                position += 1
            }
            guard let digit = peek(), isDigit(digit) else { throw error("expected a digit in the exponent") }
            while let digit = peek(), isDigit(digit) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(digit - UInt8(ascii: "0")) }
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        if isInteger, !overflow {
            if negative {
                if magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
            } else if magnitude <= UInt64(Int64.max) {
                return .int(Int64(magnitude))
            }
        }

        // Clinger's fast path: both the mantissa and the power of ten are exact doubles.
        let decimalExponent = exponent - fractionDigits
        if !overflow, magnitude <= 1 << 53, (-22...22).contains(decimalExponent) {
            var value = Double(magnitude)
            let power = Self.powersOfTen[abs(decimalExponent)]
            value = decimalExponent < 0 ? value / power : value * power
            return .double(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw JSONParseError(offset: start, message: "invalid number") }
        return .double(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Adds one decimal digit to `magnitude`, flagging overflow once it no longer fits 64 bits.
    private func accumulate(_ byte: UInt8, into magnitude: inout UInt64, overflow: inout Bool) {
        let digit = UInt64(byte - UInt8(ascii: "0"))
        let (times10, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
        let (sum, overflowB) = times10.addingReportingOverflow(digit)
        if overflowA || overflowB { overflow = true } else { magnitude = sum }
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}

// MARK: - Tape: a validated text, tokenized but not built

/// One token of a text scanned by `JSONParser.withTape`, in document order.
///
/// Exists so a report can be merged into the stored state straight from its bytes: the scan checks
/// the whole text first (a malformed report then changes nothing), and the merge builds values only
/// where the state changes, instead of building a tree of the whole report and then walking it.
struct JSONToken {
    enum Kind: UInt8 {
        /// `start` = member count, `payload` = the index of the token after the object's last one.
        case object
        /// `start` = element count, `payload` = the index of the token after the array's last one.
        case array
        /// Raw bytes without escapes: `start` = byte offset, the low 32 bits of `payload` = length (an
        /// object key keeps 32 bits of its fingerprint in the high ones, for the repeated-key check).
        case string
        /// A string with escapes: `payload` = its index in the parser's decoded strings.
        case decodedString
        /// `payload` = the `Int64` bit pattern.
        case int
        /// `payload` = the `Double` bit pattern.
        case double
        case `true`
        case `false`
        case null
        /// A member's value the scan did not read: its bytes are those of a value the state holds
        /// (see `UnchangedMembers`). `start` = byte offset, `payload` = byte length.
        case unchanged
    }

    var payload: UInt64
    var start: UInt32
    var kind: Kind

    init(_ kind: Kind, start: UInt32 = 0, payload: UInt64 = 0) {
        self.kind = kind
        self.start = start
        self.payload = payload
    }

    /// The byte length of a `.string` token.
    var length: Int { Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: payload)) }
}

/// Why a tape scan stopped: the text is not JSON, or it has what the tape leaves to the plain parser.
///
/// Carries nothing: the caller then parses the text the plain way, which gives the error (or the value).
struct TapeStop: Error {}

extension JSONParser {
    /// Scans `bytes` into tokens and lets `body` read them; `nil` when the text is not JSON or has
    /// what the tape leaves to the plain parser: an object key with escapes or non-ASCII bytes, a key
    /// repeated in its object, or a text over 4 GB.
    ///
    /// Object keys on the tape are therefore plain ASCII, so they compare byte by byte with ASCII names.
    ///
    /// Members of `print` and `info` that `unchanged` remembers, found again byte for byte, are left
    /// unread (`.unchanged` tokens); `body` gets `unchanged` back, to keep it true while it merges.
    static func withTape<Result>(
        _ bytes: UnsafeBufferPointer<UInt8>, cache: inout JSONParseCache, unchanged: inout UnchangedMembers,
        _ body: (inout JSONParser, inout UnchangedMembers) -> Result
    ) -> Result? {
        // Offsets are kept as UInt32; an empty text is not JSON (the plain parser says why).
        guard UInt(bytes.count) < UInt(UInt32.max), let base = bytes.baseAddress else { return nil }
        var parser = JSONParser(bytes, cache: &cache)
        defer { parser.returnStorage(to: &cache) }
        // Compact reports have one token per 7.5 (H2C) to 10 bytes; a quarter of the byte count covers
        // those without growing (growing once cost the H2C stream 5 % of its instructions, callgrind),
        // and only pages the scan writes are touched.
        parser.reserveTokens(bytes.count / 4 + 16)
        // Moved in for the scan and back out (not copied), so the merge edits the caller's in place.
        swap(&parser.unchangedMembers, &unchanged)
        let end = base + bytes.count
        let scanned: Bool
        do throws(TapeStop) {
            let after = try parser.scanValue(parser.skipSpace(base, end), end)
            scanned = parser.skipSpace(after, end) == end
        } catch {
            scanned = false
        }
        swap(&parser.unchangedMembers, &unchanged)
        guard scanned else { return nil }
        return body(&parser, &unchanged)
    }

    // MARK: Scanning into the tape

    // The scan works on a cursor passed in and returned (kept in a register rather than in `position`)
    // and reads only below `end`. It never builds a value: strings are byte ranges, numbers bit patterns.

    private typealias Cursor = UnsafePointer<UInt8>

    /// Makes room for `capacity` tokens (the storage is empty).
    private mutating func reserveTokens(_ capacity: Int) {
        tokens = UnsafeMutablePointer<JSONToken>.allocate(capacity: capacity)
        tokenCapacity = capacity
    }

    /// Appends a token; returns its index.
    @inline(__always)
    @discardableResult
    private mutating func appendToken(_ token: JSONToken) -> Int {
        if tokenCount == tokenCapacity { growTokens() }
        let index = tokenCount
        (tokens.unsafelyUnwrapped + index).initialize(to: token)
        tokenCount = index + 1
        return index
    }

    /// Doubles the token storage (tokens are plain values, so moving them is a copy).
    private mutating func growTokens() {
        let capacity = max(2 * tokenCapacity, 16)
        let grown = UnsafeMutablePointer<JSONToken>.allocate(capacity: capacity)
        if let tokens {
            grown.moveInitialize(from: tokens, count: tokenCount)
            tokens.deallocate()
        }
        tokens = grown
        tokenCapacity = capacity
    }

    /// The byte offset of `cursor` in the text.
    @inline(__always)
    private func offset(of cursor: Cursor) -> Int { cursor - bytes.baseAddress.unsafelyUnwrapped }

    /// The cursor at byte offset `offset` of the text.
    @inline(__always)
    private func cursor(at offset: Int) -> Cursor { bytes.baseAddress.unsafelyUnwrapped + offset }

    /// The eight bytes at `cursor` as a little-endian word; the caller guarantees they are below `end`.
    @inline(__always)
    private static func word(at cursor: Cursor) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(cursor).loadUnaligned(as: UInt64.self))
    }

    /// The first byte at or after `cursor` that is not whitespace, or `end`.
    @inline(__always)
    private func skipSpace(_ cursor: Cursor, _ end: Cursor) -> Cursor {
        // Compact text has no whitespace: one comparison decides (whitespace is 0x09...0x20).
        guard cursor < end, cursor.pointee <= 0x20 else { return cursor }
        return skipSpaceRun(cursor, end)
    }

    /// `skipSpace` past at least one byte at or below 0x20.
    private func skipSpaceRun(_ start: Cursor, _ end: Cursor) -> Cursor {
        var cursor = start
        while cursor < end {
            switch cursor.pointee {
            case 0x20:
                // Indented text: skip to the first non-space byte of the next eight (the lowest non-zero
                // byte of `word ^ spaces`).
                guard end - cursor >= 8 else {
                    cursor += 1
                    continue
                }
                let others = Self.word(at: cursor) ^ 0x2020_2020_2020_2020
                cursor += others == 0 ? 8 : others.trailingZeroBitCount >> 3
            case 0x09, 0x0A, 0x0D:
                cursor += 1
            default:
                return cursor
            }
        }
        return cursor
    }

    /// The high bit of each byte of `chunk` that is `"`, `\` or below 0x20, and of some bytes above
    /// such a byte. The lowest flag is always a true match (borrows only propagate upwards).
    @inline(__always)
    private static func stringStops(_ chunk: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = chunk ^ (ones &* 0x22)
        let backslash = chunk ^ (ones &* 0x5C)
        return ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (chunk &- ones &* 0x20) & ~chunk)
            & 0x8080_8080_8080_8080
    }

    /// The first `"`, `\` or control byte at or after `cursor`, or `end`.
    @inline(__always)
    private static func plainRunEnd(_ start: Cursor, _ end: Cursor) -> Cursor {
        var cursor = start
        while end - cursor >= 8 {
            let flags = stringStops(word(at: cursor))
            if flags != 0 { return cursor + flags.trailingZeroBitCount >> 3 }
            cursor += 8
        }
        while cursor < end {
            let byte = cursor.pointee
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return cursor }
            cursor += 1
        }
        return cursor
    }

    /// Scans the value at `cursor` (not whitespace); returns the cursor after it.
    ///
    /// Inlined into the container scans, so a member's string or number is read without two calls.
    @inline(__always)
    private mutating func scanValue(_ cursor: Cursor, _ end: Cursor) throws(TapeStop) -> Cursor {
        guard cursor < end else { throw TapeStop() }
        switch cursor.pointee {
        case UInt8(ascii: "\""): return try scanString(cursor, end)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try scanNumber(cursor, end)
        case UInt8(ascii: "{"): return try scanObject(cursor, end)
        case UInt8(ascii: "["): return try scanArray(cursor, end)
        // Literals compare as one 32-bit word ("false" as "f" and "alse").
        case UInt8(ascii: "t"):
            guard end - cursor >= 4, Self.word32(at: cursor) == 0x6575_7274 else { throw TapeStop() }
            appendToken(JSONToken(.true))
            return cursor + 4
        case UInt8(ascii: "f"):
            guard end - cursor >= 5, Self.word32(at: cursor + 1) == 0x6573_6C61 else { throw TapeStop() }
            appendToken(JSONToken(.false))
            return cursor + 5
        case UInt8(ascii: "n"):
            guard end - cursor >= 4, Self.word32(at: cursor) == 0x6C6C_756E else { throw TapeStop() }
            appendToken(JSONToken(.null))
            return cursor + 4
        default:
            throw TapeStop()
        }
    }

    /// The four bytes at `cursor` as a little-endian word; the caller guarantees they are below `end`.
    @inline(__always)
    private static func word32(at cursor: Cursor) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(cursor).loadUnaligned(as: UInt32.self))
    }

    private mutating func enterTapeContainer() throws(TapeStop) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw TapeStop() }
    }

    private mutating func scanArray(_ open: Cursor, _ end: Cursor) throws(TapeStop) -> Cursor {
        try enterTapeContainer()
        let index = appendToken(JSONToken(.array))
        var cursor = skipSpace(open + 1, end)
        var count: UInt32 = 0
        if cursor < end && cursor.pointee == UInt8(ascii: "]") {
            cursor += 1
        } else {
            while true {
                cursor = skipSpace(try scanValue(cursor, end), end)
                count += 1
                guard cursor < end else { throw TapeStop() }
                let byte = cursor.pointee
                cursor += 1
                if byte == UInt8(ascii: ",") {
                    cursor = skipSpace(cursor, end)
                    continue
                }
                guard byte == UInt8(ascii: "]") else { throw TapeStop() }
                break
            }
        }
        depth -= 1
        finishContainer(at: index, count: count)
        return cursor
    }

    private mutating func scanObject(_ open: Cursor, _ end: Cursor) throws(TapeStop) -> Cursor {
        try enterTapeContainer()
        let index = appendToken(JSONToken(.object))
        var cursor = skipSpace(open + 1, end)
        var count: UInt32 = 0
        if cursor < end && cursor.pointee == UInt8(ascii: "}") {
            cursor += 1
        } else {
            // Repeated keys are rare but legal: a 1,024-bit filter of key fingerprints finds candidates,
            // which are then compared with the object's earlier keys. Past `KeyFilter.capacity` keys the
            // filter fills up, so a set of the keys' bytes takes over (see `WideObjectKeys`).
            var seenKeys = KeyFilter()
            // The message object and the `print` and `info` bodies (see `UnchangedMembers`).
            let level = depth == 1 ? UnchangedMembers.Level.message : nextObjectLevel
            nextObjectLevel = .none
            var memoCursor = 0
            while true {
                guard cursor < end, cursor.pointee == UInt8(ascii: "\"") else { throw TapeStop() }
                let (afterKey, fingerprint) = try scanKey(cursor, end)
                if count < KeyFilter.capacity {
                    if seenKeys.insert(fingerprint) { try checkKeyIsNew(ofObjectAt: index) }
                } else {
                    try checkWideKeyIsNew(ofObjectAt: index)
                }
                cursor = skipSpace(afterKey, end)
                guard cursor < end, cursor.pointee == UInt8(ascii: ":") else { throw TapeStop() }
                let valueStart = skipSpace(cursor + 1, end)
                // Only containers are remembered (and lead to the `print` and `info` levels).
                let afterValue =
                    level != .none && valueStart < end && valueStart.pointee | 0x20 == UInt8(ascii: "{")
                    ? try scanMember(of: level, ordinal: count, &memoCursor, valueStart, end)
                    : try scanValue(valueStart, end)
                cursor = skipSpace(afterValue, end)
                count += 1
                guard cursor < end else { throw TapeStop() }
                let byte = cursor.pointee
                cursor += 1
                if byte == UInt8(ascii: ",") {
                    cursor = skipSpace(cursor, end)
                    continue
                }
                guard byte == UInt8(ascii: "}") else { throw TapeStop() }
                break
            }
        }
        depth -= 1
        finishContainer(at: index, count: count)
        return cursor
    }

    /// A large container member of `print` or `info` on the tape, for `UnchangedMembers`.
    struct MemberSpan {
        var valueToken: UInt32
        var ordinal: UInt32
        var start: UInt32
        var length: UInt32
    }

    /// Scans the container at `start` (`{` or `[`), the value of the member `ordinal` (its key the
    /// last token) of an object at `level`: leaves a value `unchangedMembers` remembers unread when its
    /// bytes match, and notes where a large container is (`memberSpans`).
    @inline(never)  // about 15 members a report: kept out of the scan's loop
    private mutating func scanMember(
        of level: UnchangedMembers.Level, ordinal: UInt32, _ memoCursor: inout Int, _ start: Cursor, _ end: Cursor
    ) throws(TapeStop) -> Cursor {
        let keyToken = tokenCount - 1
        if level == .message {
            if start.pointee == UInt8(ascii: "{") {
                if key(at: keyToken, is: "print") {
                    nextObjectLevel = .print
                } else if key(at: keyToken, is: "info") {
                    nextObjectLevel = .info
                }
            }
            defer { nextObjectLevel = .none }
            return try scanValue(start, end)
        }
        if let skipped = skipRemembered(level, ordinal: ordinal, &memoCursor, keyToken: keyToken, start, end) {
            return skipped
        }
        let valueToken = tokenCount
        let after = try scanValue(start, end)
        let length = after - start
        if length >= UnchangedMembers.shortestValue, memberSpans.count < 2 * UnchangedMembers.capacity {
            memberSpans.append(
                MemberSpan(
                    valueToken: UInt32(truncatingIfNeeded: valueToken), ordinal: ordinal,
                    start: UInt32(truncatingIfNeeded: offset(of: start)), length: UInt32(truncatingIfNeeded: length)))
        }
        return after
    }

    /// The cursor after the value at `start` when `unchangedMembers` remembers this member (same
    /// ordinal, key fingerprint, length and hash), with an `.unchanged` token appended; else `nil`.
    private mutating func skipRemembered(
        _ level: UnchangedMembers.Level, ordinal: UInt32, _ memoCursor: inout Int, keyToken: Int, _ start: Cursor,
        _ end: Cursor
    ) -> Cursor? {
        guard let entry = unchangedMembers.entry(at: level, ordinal: ordinal, &memoCursor) else { return nil }
        let length = Int(entry.length)
        guard entry.keyFingerprint == UInt32(truncatingIfNeeded: token(at: keyToken).payload >> 32),
            length <= end - start,
            UnchangedMembers.hash(key: rawBytes(at: keyToken), value: UnsafeBufferPointer(start: start, count: length))
                == entry.hash
        else { return nil }
        appendToken(JSONToken(.unchanged, start: UInt32(truncatingIfNeeded: offset(of: start)), payload: UInt64(length)))
        return start + length
    }

    /// The entry `UnchangedMembers` would keep for the member whose value is at `value` (a large
    /// container of `print` or `info`, found identical to the stored one at `storedPosition`), or `nil`.
    func unchangedEntry(
        forValueAt value: Int, of level: UnchangedMembers.Level, storedPosition: Int
    ) -> UnchangedMembers.Entry? {
        guard let span = memberSpans.first(where: { $0.valueToken == UInt32(truncatingIfNeeded: value) }) else {
            return nil
        }
        let key = value - 1
        let bytes = UnsafeBufferPointer(start: cursor(at: Int(span.start)), count: Int(span.length))
        return UnchangedMembers.Entry(
            level: level, ordinal: span.ordinal, storedPosition: UInt32(truncatingIfNeeded: storedPosition), length: span.length,
            keyFingerprint: UInt32(truncatingIfNeeded: token(at: key).payload >> 32),
            hash: UnchangedMembers.hash(key: rawBytes(at: key), value: bytes))
    }

    /// Records a finished container's size and where its tokens end.
    @inline(__always)
    private mutating func finishContainer(at index: Int, count: UInt32) {
        let token = tokens.unsafelyUnwrapped + index
        token.pointee.start = count
        token.pointee.payload = UInt64(tokenCount)
    }

    /// Scans a key (the cursor on its opening quote) into a `.string` token; returns the cursor after
    /// its closing quote and its fingerprint. A key with escapes, control or non-ASCII bytes stops the scan.
    @inline(__always)
    private mutating func scanKey(_ quote: Cursor, _ end: Cursor) throws(TapeStop) -> (Cursor, UInt64) {
        let start = quote + 1
        var cursor = start
        // As `plainRunEnd`, but bytes of 0x80 and above stop it too.
        while true {
            guard end - cursor >= 8 else {
                while cursor < end, cursor.pointee != UInt8(ascii: "\""), cursor.pointee != UInt8(ascii: "\\"),
                    cursor.pointee >= 0x20, cursor.pointee < 0x80
                {
                    cursor += 1
                }
                break
            }
            let chunk = Self.word(at: cursor)
            let flags = Self.stringStops(chunk) | chunk & 0x8080_8080_8080_8080
            if flags != 0 {
                cursor += flags.trailingZeroBitCount >> 3
                break
            }
            cursor += 8
        }
        guard cursor < end, cursor.pointee == UInt8(ascii: "\"") else { throw TapeStop() }
        let count = cursor - start
        let head: UInt64
        let tail: UInt64
        if count >= 8 {
            head = Self.word(at: start)
            tail = Self.word(at: cursor - 8)
        } else {
            // Fewer than eight bytes: the quote follows, so a whole word fits when the text goes on 7 more.
            head = end - start >= 8 ? Self.word(at: start) & (1 << (UInt64(count) &* 8) &- 1) : Self.smallWord(start, count)
            tail = 0
        }
        let fingerprint = Self.fingerprint(head: head, tail: tail, count: count)
        appendToken(
            JSONToken(.string, start: UInt32(truncatingIfNeeded: offset(of: start)), payload: fingerprint << 32 | UInt64(count)))
        return (cursor + 1, fingerprint)
    }

    /// The `count` (< 8) bytes at `start` as a little-endian word, read one by one.
    private static func smallWord(_ start: Cursor, _ count: Int) -> UInt64 {
        var word: UInt64 = 0
        for offset in 0..<count { word |= UInt64(start[offset]) << (UInt64(offset) * 8) }
        return word
    }

    /// Stops the scan if the key just scanned (the last token) repeats a key of the object at `object`.
    ///
    /// Called only when the key filter saw its fingerprint's bit before; the plain parser then builds
    /// the object (first position, last value). Compares the fingerprint bits and lengths kept in the
    /// key tokens, then the bytes.
    private func checkKeyIsNew(ofObjectAt object: Int) throws(TapeStop) {
        let tape = tokens.unsafelyUnwrapped
        let newKey = tokenCount - 1
        let payload = tape[newKey].payload
        let bytes = rawBytes(at: newKey)
        var key = object + 1
        while key < newKey {
            if tape[key].payload == payload && Self.sameContents(rawBytes(at: key), bytes) { throw TapeStop() }
            key = keyAfter(key)
        }
    }

    /// The next key token of an object being scanned, after the key at `key` (whose value is scanned).
    @inline(__always)
    private func keyAfter(_ key: Int) -> Int {
        let value = tokens.unsafelyUnwrapped[key + 1]
        switch value.kind {
        case .object, .array: return Int(truncatingIfNeeded: value.payload)
        default: return key + 2
        }
    }

    /// The keys of the objects being scanned that have more than `KeyFilter.capacity` of them, by
    /// their bytes.
    ///
    /// Exists because the filter's candidates are compared with every earlier key: once it is full,
    /// nearly every key is a candidate, and a hostile 1 MB report of 70,000 keys in one object took
    /// seconds to scan (BENCHMARKS.md, section 8). The standard library's hashing is seeded
    /// per process, so a report cannot choose keys that collide.
    struct WideObjectKeys {
        /// The keys of each such object, by the index of its token (objects nest).
        var byObject: [Int: Set<Key>] = [:]

        /// Raw bytes of a key on the tape, compared and hashed as bytes (tape keys are plain ASCII).
        struct Key: Hashable {
            let bytes: UnsafeBufferPointer<UInt8>

            static func == (lhs: Key, rhs: Key) -> Bool { JSONParser.sameContents(lhs.bytes, rhs.bytes) }
            func hash(into hasher: inout Hasher) { hasher.combine(bytes: UnsafeRawBufferPointer(bytes)) }
        }
    }

    /// Stops the scan if the key just scanned (the last token) repeats a key of the wide object at
    /// `object`; the first call adds the object's earlier keys.
    @inline(never)  // rare: kept out of the scan's loop
    private mutating func checkWideKeyIsNew(ofObjectAt object: Int) throws(TapeStop) {
        let newKey = tokenCount - 1
        var keys: Set<WideObjectKeys.Key>
        if let found = wideObjectKeys.byObject.removeValue(forKey: object) {
            keys = found
        } else {
            keys = []
            var key = object + 1
            while key < newKey {
                keys.insert(WideObjectKeys.Key(bytes: rawBytes(at: key)))
                key = keyAfter(key)
            }
        }
        // Every later key of the object comes here, so each is added once, as it is scanned.
        defer { wideObjectKeys.byObject[object] = keys }
        guard keys.insert(WideObjectKeys.Key(bytes: rawBytes(at: newKey))).inserted else { throw TapeStop() }
    }

    @inline(__always)
    private mutating func scanString(_ quote: Cursor, _ end: Cursor) throws(TapeStop) -> Cursor {
        let start = quote + 1
        let stop = Self.plainRunEnd(start, end)
        guard stop < end else { throw TapeStop() }
        if stop.pointee == UInt8(ascii: "\"") {
            appendToken(
                JSONToken(.string, start: UInt32(truncatingIfNeeded: offset(of: start)), payload: UInt64(stop - start)))
            return stop + 1
        }
        guard stop.pointee >= 0x20 else { throw TapeStop() }
        // Escapes: the plain parser's decoder, from the first backslash.
        position = offset(of: stop)
        let text: String
        do { text = try parseEscapedString(from: offset(of: start)) } catch { throw TapeStop() }
        appendToken(JSONToken(.decodedString, payload: UInt64(decodedStrings.count)))
        decodedStrings.append(text)
        return cursor(at: position)
    }

    /// Scans a number. Integers of up to 18 digits and plain decimals are read here; the rest (more
    /// digits, exponents, malformed numbers) by `parseNumber`, whose results these always equal.
    private mutating func scanNumber(_ first: Cursor, _ end: Cursor) throws(TapeStop) -> Cursor {
        let negative = first.pointee == UInt8(ascii: "-")
        let digits = negative ? first + 1 : first
        var cursor = digits
        var magnitude: UInt64 = 0
        while cursor < end {
            let digit = cursor.pointee &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            magnitude = magnitude &* 10 &+ UInt64(digit)
            cursor += 1
        }
        let integerDigits = cursor - digits
        // No digit, a leading zero or more than 18 digits (which may not fit): the full parser decides.
        guard integerDigits > 0, integerDigits <= 18, integerDigits == 1 || digits.pointee != UInt8(ascii: "0") else {
            return try scanNumberFully(first, end)
        }
        guard cursor < end else { return appendInteger(magnitude, negative: negative, after: cursor) }
        switch cursor.pointee {
        case UInt8(ascii: "."):
            cursor += 1
            let fraction = cursor
            while cursor < end {
                let digit = cursor.pointee &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                magnitude = magnitude &* 10 &+ UInt64(digit)
                cursor += 1
            }
            let fractionDigits = cursor - fraction
            // As `parseNumber`'s fast path (Clinger's): an exact mantissa divided by an exact power of ten.
            guard fractionDigits > 0, integerDigits + fractionDigits <= 18, magnitude <= 1 << 53,
                cursor == end || (cursor.pointee | 0x20) != UInt8(ascii: "e")
            else { return try scanNumberFully(first, end) }
            let value = Double(magnitude) / Self.powersOfTen[fractionDigits]
            appendToken(JSONToken(.double, payload: (negative ? -value : value).bitPattern))
            return cursor
        case UInt8(ascii: "e"), UInt8(ascii: "E"):
            return try scanNumberFully(first, end)
        default:
            return appendInteger(magnitude, negative: negative, after: cursor)
        }
    }

    /// Appends an integer token for a magnitude below 10^18.
    @inline(__always)
    private mutating func appendInteger(_ magnitude: UInt64, negative: Bool, after cursor: Cursor) -> Cursor {
        appendToken(JSONToken(.int, payload: negative ? 0 &- magnitude : magnitude))
        return cursor
    }

    /// A number the scan read with `parseNumber`, kept with its text so the same text next time is a
    /// lookup.
    ///
    /// Exists because of AMS trays' `k` (`0.019999999552965164`): 17 significant digits do not fit
    /// the scan's exact reading, the standard library's correctly rounded conversion costs about
    /// 2,300 instructions, and every full report repeats the same few values (up to 15 per report; the
    /// memo saves 6.5 % of the A1 mini stream's instructions, callgrind).
    struct MemoizedNumber: Sendable {
        /// The text's bytes as little-endian words, zero past `count` (0: an empty slot).
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var count = 0
        var token = JSONToken(.null)
    }

    /// Slots of the number memo (direct-mapped by the text's first word and length).
    static let numberMemoSize = 16

    /// The longest number text the memo keeps (four words).
    private static let longestMemoizedNumber = 32

    /// The characters a number's text can hold; its text ends at the first other byte.
    @inline(__always)
    private static func mayBeInNumber(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            return true
        default:
            return false
        }
    }

    /// The `count` (≤ 32) bytes at `start` as four little-endian words, zero past `count`.
    private static func memoWords(_ start: Cursor, _ count: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: start, count: count))
        }
        return words
    }

    /// Scans the number at `first` with `parseNumber`, or takes its token from the memo when the same
    /// text was read before.
    private mutating func scanNumberFully(_ first: Cursor, _ end: Cursor) throws(TapeStop) -> Cursor {
        var last = first
        while last < end, Self.mayBeInNumber(last.pointee), last - first <= Self.longestMemoizedNumber { last += 1 }
        let count = last - first
        guard count <= Self.longestMemoizedNumber else { return try parseNumberIntoTape(first) }
        let words = Self.memoWords(first, count)
        let slot = Int(truncatingIfNeeded: ((words.0 &+ UInt64(count)) &* 0x9E37_79B9_7F4A_7C15) >> 60)
            & (Self.numberMemoSize - 1)
        let entry = numberMemo[slot]
        if entry.count == count, entry.words == words {
            appendToken(entry.token)
            return last
        }
        let after = try parseNumberIntoTape(first)
        // Kept only when `parseNumber` read the whole run: the byte after it then cannot be part of a
        // number, so the same run reads the same way whatever follows.
        if after == last {
            numberMemo[slot] = MemoizedNumber(words: words, count: count, token: token(at: tokenCount - 1))
        }
        return after
    }

    /// Scans the number at `first` with `parseNumber`.
    private mutating func parseNumberIntoTape(_ first: Cursor) throws(TapeStop) -> Cursor {
        position = offset(of: first)
        let value: JSONValue
        do { value = try parseNumber() } catch { throw TapeStop() }
        switch value {
        case .int(let value): appendToken(JSONToken(.int, payload: UInt64(bitPattern: value)))
        case .double(let value): appendToken(JSONToken(.double, payload: value.bitPattern))
        default: throw TapeStop()
        }
        return cursor(at: position)
    }

    // MARK: Reading the tape

    // Indices come from the tape itself (a container's first token is the one after it, the next one
    // is at `valueEnd`). They are still checked in release builds, with one unsigned comparison: the
    // text comes from the network, and a mistake in the merge must stop the daemon, not read past
    // the tokens. The check costs about 5 % of the X1C stream's instructions (callgrind, 337k -> 353k).

    /// The token at `index` (an index the tape gave).
    @inline(__always)
    private func token(at index: Int) -> JSONToken {
        precondition(UInt(bitPattern: index) < UInt(bitPattern: tokenCount), "token index out of the tape")
        return tokens.unsafelyUnwrapped[index]
    }

    /// The kind of the token at `index`.
    func tokenKind(at index: Int) -> JSONToken.Kind { token(at: index).kind }

    /// The member count of the object, or the element count of the array, at `index`.
    func containerCount(at index: Int) -> Int { Int(token(at: index).start) }

    /// The index of the token after the value starting at `index`.
    func valueEnd(at index: Int) -> Int {
        let token = token(at: index)
        switch token.kind {
        case .object, .array: return Int(truncatingIfNeeded: token.payload)
        default: return index + 1
        }
    }

    /// The raw bytes of the `.string` token at `index` (a key, or a value without escapes).
    func rawBytes(at index: Int) -> UnsafeBufferPointer<UInt8> {
        let token = token(at: index)
        return UnsafeBufferPointer(start: cursor(at: Int(token.start)), count: token.length)
    }

    /// Whether the key at `index` is `name` (keys on the tape are ASCII, so bytes decide).
    func key(at index: Int, is name: StaticString) -> Bool {
        let raw = rawBytes(at: index)
        guard raw.count == name.utf8CodeUnitCount else { return false }
        return Self.sameContents(raw, UnsafeBufferPointer(start: name.utf8Start, count: raw.count))
    }

    /// Whether the `.string` token at `index` has exactly the UTF-8 of `text` (for a key, `false` may still be a canonically
    /// equal string: callers fall back to `String` comparison then).
    func rawBytes(at index: Int, equalUTF8Of text: String) -> Bool {
        Self.utf8(of: text, is: rawBytes(at: index))
    }

    /// Whether the UTF-8 of `text` is exactly `raw`.
    ///
    /// Reads a native or small string in place (without copying or retaining it); a bridged string,
    /// which no parse makes, byte by byte.
    @inline(__always)
    static func utf8(of text: String, is raw: UnsafeBufferPointer<UInt8>) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == raw.count else { return false }
        return utf8.withContiguousStorageIfAvailable { sameContents($0, raw) } ?? utf8.elementsEqual(raw)
    }

    /// The value index of the member `name` of the object at `index`, or `nil`.
    func member(_ name: StaticString, ofObjectAt index: Int) -> Int? {
        var key = index + 1
        for _ in 0..<containerCount(at: index) {
            if self.key(at: key, is: name) { return key + 1 }
            key = valueEnd(at: key + 1)
        }
        return nil
    }

    /// Builds the key at `index` as a string (through the cache).
    mutating func keyString(at index: Int) -> String {
        let token = token(at: index)
        let start = Int(token.start)
        return makeString(start..<start + token.length)
    }

    /// Whether the scalar at `index` is exactly `stored` (same case, same bits, same text).
    ///
    /// A `true` answer lets a merge keep the stored value instead of building an equal one.
    @inline(__always)
    func scalar(at index: Int, isIdenticalTo stored: JSONValue) -> Bool {
        let token = token(at: index)
        guard token.kind == .decodedString else { return Self.scalar(token, of: cursor(at: 0), isIdenticalTo: stored) }
        guard case .string(let text) = stored else { return false }
        // Bytes, not `==`: canonically equal spellings ("\u212a" and "K") are different values here.
        var decoded = decodedStrings[Int(truncatingIfNeeded: token.payload)]
        return decoded.withUTF8 { Self.utf8(of: text, is: $0) }
    }

    /// The scalar token at `index`, for `scalar(_:of:isIdenticalTo:)`.
    func scalarToken(at index: Int) -> JSONToken { token(at: index) }

    /// The first byte of the scanned text, for `scalar(_:of:isIdenticalTo:)`.
    var textStart: UnsafePointer<UInt8> { cursor(at: 0) }

    /// `scalar(at:isIdenticalTo:)` for a token of the text at `text`, needing nothing else of the parser
    /// (so a closure that reads a stored value in place can call it); a string with escapes is
    /// never found identical here, which only costs building an equal value.
    @inline(__always)
    static func scalar(_ token: JSONToken, of textStart: UnsafePointer<UInt8>, isIdenticalTo stored: JSONValue) -> Bool {
        // One switch on the token, then one case test of `stored`: matching the pair as a tuple made
        // a copy of `stored` (a retain and a release) for every value compared.
        switch token.kind {
        case .int:
            guard case .int(let value) = stored else { return false }
            return value == Int64(bitPattern: token.payload)
        case .double:
            guard case .double(let value) = stored else { return false }
            return value.bitPattern == token.payload
        case .string:
            guard case .string(let text) = stored else { return false }
            return utf8(of: text, is: UnsafeBufferPointer(start: textStart + Int(token.start), count: token.length))
        case .true:
            guard case .bool(let value) = stored else { return false }
            return value
        case .false:
            guard case .bool(let value) = stored else { return false }
            return !value
        case .null:
            guard case .null = stored else { return false }
            return true
        case .object, .array, .decodedString, .unchanged:
            return false
        }
    }

    /// Whether the value at `index` is exactly `stored`: what `value(at:)` would build, down to the
    /// bytes of every key and string and the bits of every number, members in the same order.
    ///
    /// Lets a merge keep a stored container a report sends again unchanged (`hms`, `lights_report`,
    /// the `get_version` modules) instead of building an equal one to replace it.
    func value(at index: Int, isIdenticalTo stored: JSONValue) -> Bool {
        firstDifference(at: index, from: stored) == nil
    }

    /// Where the value at `index` first differs from `stored`, walking both in document order: the
    /// index of the token that does not match (a container whose count differs, a key, a scalar), or
    /// `nil` when the value is exactly `stored` (as `value(at:isIdenticalTo:)`).
    ///
    /// Every token before the one returned matched, so a member or element that ends at or before it
    /// is identical to the stored one at the same position: a merge that follows uses that instead of
    /// comparing again (`ReportMerge`), and so reads each token at most twice however deep it is.
    func firstDifference(at index: Int, from stored: JSONValue) -> Int? {
        let token = token(at: index)
        switch token.kind {
        case .object:
            guard case .object(let object) = stored, object.count == Int(token.start) else { return index }
            // The stored members are read in place and scalars compared here: iterating the object
            // copied (retained and released) every key and value, and a call per scalar cost more
            // than the comparison.
            return object.entries.withUnsafeBufferPointer { entries in
                var key = index + 1
                // By position, not `for entry in`: that copied each entry (a retain and a release of
                // its key and value; 2.6 % of the H2C stream's instructions, callgrind).
                for position in entries.indices {
                    guard Self.utf8(of: entries[position].key, is: rawBytes(at: key)) else { return key }
                    switch compareMember(at: key + 1, with: entries[position].value) {
                    case .same(let next): key = next
                    case .differs(let at): return at
                    }
                }
                return nil
            }
        case .array:
            guard case .array(let elements) = stored, elements.count == Int(token.start) else { return index }
            return elements.withUnsafeBufferPointer { elements in
                var element = index + 1
                for position in elements.indices {
                    switch compareMember(at: element, with: elements[position]) {
                    case .same(let next): element = next
                    case .differs(let at): return at
                    }
                }
                return nil
            }
        default:
            return scalar(at: index, isIdenticalTo: stored) ? nil : index
        }
    }

    /// What `compareMember` found: the index after an identical value, or where it first differs.
    private enum MemberComparison {
        case same(next: Int)
        case differs(at: Int)
    }

    /// `firstDifference(at:from:)` for a member or element.
    @inline(__always)
    private func compareMember(at index: Int, with stored: JSONValue) -> MemberComparison {
        let token = token(at: index)
        // Numbers first and in place: most members are numbers, and a call per value cost more than
        // comparing it.
        let same: Bool
        switch token.kind {
        case .int:
            guard case .int(let value) = stored else { return .differs(at: index) }
            same = value == Int64(bitPattern: token.payload)
        case .double:
            guard case .double(let value) = stored else { return .differs(at: index) }
            same = value.bitPattern == token.payload
        case .object, .array:
            if let difference = firstDifference(at: index, from: stored) { return .differs(at: difference) }
            return .same(next: Int(truncatingIfNeeded: token.payload))
        case .decodedString:
            same = scalar(at: index, isIdenticalTo: stored)
        default:
            same = Self.scalar(token, of: textStart, isIdenticalTo: stored)
        }
        return same ? .same(next: index + 1) : .differs(at: index)
    }

    /// Builds the value starting at `index`: the same value `JSONValue(parsing:)` gives for its text.
    mutating func value(at index: Int) -> JSONValue {
        let token = token(at: index)
        switch token.kind {
        case .object:
            var members: [JSONObject.Entry] = []
            members.reserveCapacity(Int(token.start))
            var key = index + 1
            for _ in 0..<token.start {
                members.append(JSONObject.Entry(key: keyString(at: key), value: value(at: key + 1)))
                key = valueEnd(at: key + 1)
            }
            return .object(JSONObject(parsedEntries: members, mayHaveDuplicates: false))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(Int(token.start))
            var element = index + 1
            for _ in 0..<token.start {
                elements.append(value(at: element))
                element = valueEnd(at: element)
            }
            return .array(elements)
        case .string:
            let start = Int(token.start)
            return .string(makeString(start..<start + token.length))
        case .decodedString: return .string(decodedStrings[Int(truncatingIfNeeded: token.payload)])
        case .int: return .int(Int64(bitPattern: token.payload))
        case .double: return .double(Double(bitPattern: token.payload))
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        case .unchanged:
            // Not built by the merge (it keeps the stored value); these bytes were a whole value before.
            let start = Int(token.start)
            return (try? Self.parse(UnsafeBufferPointer(rebasing: bytes[start..<start + Int(token.payload)]))) ?? .null
        }
    }

    /// Whether two buffers hold the same bytes (any length).
    ///
    /// Short ones (most keys and values) compare as two overlapping words of four, two or one bytes,
    /// never reading outside either buffer.
    @inline(__always)
    static func sameContents(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = lhs.count
        guard count == rhs.count else { return false }
        if count >= 8 { return sameBytes(lhs, rhs) }
        guard count > 0, let left = lhs.baseAddress, let right = rhs.baseAddress else { return true }
        if count >= 4 {
            return Self.word32(at: left) == Self.word32(at: right)
                && Self.word32(at: left + (count - 4)) == Self.word32(at: right + (count - 4))
        }
        if count >= 2 {
            let last = count - 2
            return UnsafeRawPointer(left).loadUnaligned(as: UInt16.self) == UnsafeRawPointer(right).loadUnaligned(as: UInt16.self)
                && UnsafeRawPointer(left + last).loadUnaligned(as: UInt16.self)
                    == UnsafeRawPointer(right + last).loadUnaligned(as: UInt16.self)
        }
        return left.pointee == right.pointee
    }
}
