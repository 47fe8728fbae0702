// SPDX-License-Identifier: AGPL-3.0-or-later
// An insertion-ordered JSON object with fast lookup for large objects.

/// The members of a JSON object, in insertion order.
///
/// Exists because requests are asserted byte-exactly (so key order must be stable and match how
/// they were built), while reports need fast keyed lookup and in-place merging. Members live in one
/// array (one allocation per object). Objects that grow past `indexThreshold` keys by editing, and
/// the merged `print` object (~100 keys), also keep a key → position index; smaller ones (trays,
/// nozzles) and freshly parsed messages are scanned, which is cheaper than hashing every key.
///
/// Equality is ordered: two objects are equal when they hold the same keys in the same order with
/// equal values, which is what byte-exact request tests need.
package struct JSONObject: Sendable {
    /// One member (a struct rather than a tuple so arrays of members copy without generic runtime calls).
    struct Entry: Sendable {
        var key: String
        var value: JSONValue
    }

    /// Objects with more keys than this get a hash index; below it a linear scan is cheaper.
    static let indexThreshold = 32

    private(set) var entries: [Entry]
    private var index: [String: Int]?

    /// An empty object.
    package init() {
        entries = []
        index = nil
    }

    /// An object with `pairs` in the given order; a repeated key keeps its first position and its last value.
    package init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.init()
        entries.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Adopts parser output; `mayHaveDuplicates` is false only when the keys are known to be distinct.
    ///
    /// A repeated key keeps its first position and takes its last value, as most JSON parsers do. No
    /// index is built: most parsed objects are read a few times and dropped. Objects kept in the
    /// printer state get one from `buildIndexIfLarge()`.
    init(parsedEntries: [Entry], mayHaveDuplicates: Bool) {
        entries = parsedEntries
        index = nil
        if mayHaveDuplicates { removeDuplicates() }
    }

    /// Builds the key index if the object is large and has none (for objects kept and searched often).
    mutating func buildIndexIfLarge() {
        if index == nil && entries.count > Self.indexThreshold { rebuildIndex() }
    }

    /// The value for `key`. Setting `nil` removes the key; setting an existing key keeps its position.
    package subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return entries[position].value
        }
        set {
            if let newValue {
                if let position = position(of: key) {
                    entries[position].value = newValue
                } else {
                    append(key, newValue)
                }
            } else if let position = position(of: key) {
                remove(at: position)
            }
        }
    }

    /// The keys in insertion order.
    package var keys: [String] { entries.map(\.key) }

    /// The values in insertion order.
    package var values: [JSONValue] { entries.map(\.value) }

    /// The number of members.
    package var count: Int { entries.count }

    /// Whether the object has no members.
    package var isEmpty: Bool { entries.isEmpty }

    // MARK: Internal editing used by the merge

    /// The position of `key`, or `nil`.
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        return entries.firstIndex { $0.key == key }
    }

    /// The position of `key`, trying `hint` first: merging objects of the same shape then needs no search.
    func position(of key: String, hint: Int) -> Int? {
        if hint < entries.count, entries[hint].key == key { return hint }
        return position(of: key)
    }

    /// Whether there is a member at `position` and its key is exactly the UTF-8 bytes `raw`.
    ///
    /// For the merge straight from a scanned text: reads the stored key in place, without copying it.
    @inline(__always)
    func key(at position: Int, isUTF8 raw: UnsafeBufferPointer<UInt8>) -> Bool {
        entries.withUnsafeBufferPointer { entries in
            position < entries.count && JSONParser.utf8(of: entries[position].key, is: raw)
        }
    }

    /// What `body` says of the value at `position` (which must be valid), read in place.
    ///
    /// For the merge straight from a scanned text, which compares most stored values without keeping them.
    @inline(__always)
    func withValue<Result>(at position: Int, _ body: (JSONValue) -> Result) -> Result {
        entries.withUnsafeBufferPointer { entries in body(entries[position].value) }
    }

    /// Appends a key that is known not to be present.
    mutating func append(_ key: String, _ value: JSONValue) {
        entries.append(Entry(key: key, value: value))
        if index != nil {
            index?[key] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    /// Removes the member at `position` (which must be valid).
    mutating func remove(at position: Int) {
        entries.remove(at: position)
        if index != nil { rebuildIndex() }
    }

    /// Replaces the value at `position` (which must be valid), keeping the key.
    mutating func replaceValue(at position: Int, with value: JSONValue) {
        entries[position].value = value
    }

    /// Mutates the value at `position` in place, without copying it (the slot holds `.null` meanwhile).
    mutating func modifyValue<Result>(at position: Int, _ body: (inout JSONValue) -> Result) -> Result {
        var value = entries[position].value
        entries[position].value = .null
        defer { entries[position].value = value }
        return body(&value)
    }

    private mutating func rebuildIndex() {
        guard entries.count > Self.indexThreshold else {
            index = nil
            return
        }
        var built = [String: Int](minimumCapacity: entries.count)
        for position in entries.indices { built[entries[position].key] = position }
        index = built
    }

    /// Collapses repeated keys: first position, last value.
    private mutating func removeDuplicates() {
        let original = entries
        entries = []
        index = nil
        entries.reserveCapacity(original.count)
        for entry in original { self[entry.key] = entry.value }
    }
}

extension JSONObject: Hashable {
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// Members in order, as `==` compares them (record ids are looked up by value, `ReportMerge`).
    package func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}

extension JSONObject: Sequence {
    package typealias Element = (key: String, value: JSONValue)

    /// Walks the members in insertion order.
    package struct Iterator: IteratorProtocol {
        private var base: IndexingIterator<[Entry]>

        init(_ entries: [Entry]) { base = entries.makeIterator() }

        package mutating func next() -> (key: String, value: JSONValue)? {
            guard let entry = base.next() else { return nil }
            return (entry.key, entry.value)
        }
    }

    package func makeIterator() -> Iterator { Iterator(entries) }

    package var underestimatedCount: Int { entries.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Builds an object keeping the literal's key order.
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}
