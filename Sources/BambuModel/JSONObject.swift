// SPDX-License-Identifier: AGPL-3.0-or-later
// An insertion-ordered JSON object with fast lookup for large objects.

/// The members of a JSON object, in insertion order.
///
/// Exists because requests are asserted byte-exactly (so key order must be stable and match how
/// they were built), while reports need fast keyed lookup and in-place merging. Small objects
/// (most AMS trays, nozzle entries) are searched linearly; objects with more than
/// `indexThreshold` keys (the ~100-key `print` object) also keep a key → position index.
///
/// Equality is ordered: two objects are equal when they hold the same keys in the same order with
/// equal values, which is what byte-exact request tests need.
package struct JSONObject: Sendable {
    /// Objects with more keys than this get a hash index; below it a linear scan is cheaper.
    static let indexThreshold = 12

    private(set) var storedKeys: [String]
    private(set) var storedValues: [JSONValue]
    private var index: [String: Int]?

    /// An empty object.
    package init() {
        storedKeys = []
        storedValues = []
        index = nil
    }

    /// An object with `pairs` in the given order; a repeated key keeps its first position and its last value.
    package init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.init()
        storedKeys.reserveCapacity(pairs.count)
        storedValues.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Builds an object from parallel arrays that may contain repeated keys (parser output).
    ///
    /// A repeated key keeps its first position and takes its last value, as most JSON parsers do.
    init(parsedKeys keys: [String], values: [JSONValue]) {
        storedKeys = keys
        storedValues = values
        index = nil
        if keys.count > Self.indexThreshold {
            var built = [String: Int](minimumCapacity: keys.count)
            var hasDuplicates = false
            for position in keys.indices {
                if built.updateValue(position, forKey: keys[position]) != nil { hasDuplicates = true }
            }
            if hasDuplicates { removeDuplicates() } else { index = built }
        } else if keys.count > 1 {
            var hasDuplicates = false
            outer: for position in 1..<keys.count {
                for earlier in 0..<position where keys[earlier] == keys[position] {
                    hasDuplicates = true
                    break outer
                }
            }
            if hasDuplicates { removeDuplicates() }
        }
    }

    /// The value for `key`. Setting `nil` removes the key; setting an existing key keeps its position.
    package subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return storedValues[position]
        }
        set {
            if let newValue {
                if let position = position(of: key) {
                    storedValues[position] = newValue
                } else {
                    append(key, newValue)
                }
            } else if let position = position(of: key) {
                remove(at: position)
            }
        }
    }

    /// The keys in insertion order.
    package var keys: [String] { storedKeys }

    /// The values in insertion order.
    package var values: [JSONValue] { storedValues }

    /// The number of members.
    package var count: Int { storedKeys.count }

    /// Whether the object has no members.
    package var isEmpty: Bool { storedKeys.isEmpty }

    // MARK: Internal editing used by the merge

    /// The position of `key`, or `nil`.
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        return storedKeys.firstIndex(of: key)
    }

    /// The value at `position` (which must be valid).
    func value(at position: Int) -> JSONValue { storedValues[position] }

    /// Appends a key that is known not to be present.
    mutating func append(_ key: String, _ value: JSONValue) {
        storedKeys.append(key)
        storedValues.append(value)
        if index != nil {
            index?[key] = storedKeys.count - 1
        } else if storedKeys.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    /// Removes the member at `position` (which must be valid).
    mutating func remove(at position: Int) {
        storedKeys.remove(at: position)
        storedValues.remove(at: position)
        if index != nil { rebuildIndex() }
    }

    /// Mutates the value at `position` in place, without copying it (the slot holds `.null` meanwhile).
    mutating func modifyValue<Result>(at position: Int, _ body: (inout JSONValue) -> Result) -> Result {
        var value = storedValues[position]
        storedValues[position] = .null
        defer { storedValues[position] = value }
        return body(&value)
    }

    private mutating func rebuildIndex() {
        guard storedKeys.count > Self.indexThreshold else {
            index = nil
            return
        }
        var built = [String: Int](minimumCapacity: storedKeys.count)
        for position in storedKeys.indices { built[storedKeys[position]] = position }
        index = built
    }

    /// Collapses repeated keys: first position, last value.
    private mutating func removeDuplicates() {
        let keys = storedKeys
        let values = storedValues
        storedKeys = []
        storedValues = []
        index = nil
        storedKeys.reserveCapacity(keys.count)
        storedValues.reserveCapacity(values.count)
        for position in keys.indices { self[keys[position]] = values[position] }
    }
}

extension JSONObject: Equatable {
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.storedKeys == rhs.storedKeys && lhs.storedValues == rhs.storedValues
    }
}

extension JSONObject: Sequence {
    package typealias Element = (key: String, value: JSONValue)

    /// Walks the members in insertion order.
    package struct Iterator: IteratorProtocol {
        private let object: JSONObject
        private var position = 0

        init(_ object: JSONObject) { self.object = object }

        package mutating func next() -> (key: String, value: JSONValue)? {
            guard position < object.storedKeys.count else { return nil }
            defer { position += 1 }
            return (object.storedKeys[position], object.storedValues[position])
        }
    }

    package func makeIterator() -> Iterator { Iterator(self) }

    package var underestimatedCount: Int { storedKeys.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Builds an object keeping the literal's key order.
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}
