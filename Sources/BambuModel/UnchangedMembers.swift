// SPDX-License-Identifier: AGPL-3.0-or-later
// Members of earlier reports known to be, byte for byte, what the state holds.

/// The large members of `print` (and `info.module`) that the last reports sent exactly as the state
/// holds them, each by its place in the report, its length and a hash of its bytes.
///
/// Exists because X1 and H2 printers send the whole `print` object on every push (bambu-lan.md
/// §2.1), and most of its bytes (AMS units and trays, lights, network, upgrade state, the nozzle
/// table) repeat the last report. Scanning and comparing those bytes was most of a report's cost
/// (BENCHMARKS.md, benchmark 2): about 440 instructions per key. With this memo the scan hashes the
/// bytes found at the same place in the next report instead (a few instructions per byte), and
/// when they match it leaves the value unread (a `.unchanged` token) and the merge keeps the stored
/// value.
///
/// Kept exact by two rules:
/// - an entry is recorded only when the merge found the member identical to the stored value (so
///   merging it again would change nothing, rule 5 included: an `ams` identical to the stored one
///   lists every stored unit);
/// - it is dropped as soon as the stored value may change: when a report changes that member, and,
///   for every entry, when the state changes any other way (`PrinterState`'s observers).
///
/// A match compares the key's fingerprint, the length and 64 bits of the standard library's hash,
/// which is seeded per process, so a report cannot be built to collide. It costs at most 1 KB per
/// printer (32 entries of 32 bytes) and no copy of any report's text.
package struct UnchangedMembers: Sendable {
    /// The objects whose members are remembered.
    enum Level: UInt8, Sendable {
        /// Not one of them (a nested object).
        case none
        /// The message object itself: its `print` and `info` members lead to the levels below.
        case message
        /// The `print` body.
        case print
        /// The `info` body (its `module` array, compared with `PrinterState.versionModules`).
        case info
    }

    /// One remembered member.
    struct Entry: Sendable {
        /// The object it is a member of (`.print` or `.info`).
        var level: Level
        /// Its index among its object's members in the report.
        var ordinal: UInt32
        /// Its position in the stored object (`print`), to drop the entry when that value changes.
        var storedPosition: UInt32
        /// The byte length of its value.
        var length: UInt32
        /// The fingerprint bits its key token keeps.
        var keyFingerprint: UInt32
        /// `UnchangedMembers.hash(key:value:)` of its key and value.
        var hash: Int
    }

    /// The entries, `print`'s before `info`'s, each level's by `ordinal` (one array: moving the memo
    /// in and out of the parser for every report then retains and releases one buffer).
    private var entries: [Entry] = []
    /// One bit per stored `print` position (modulo 64) that has an entry: most changes skip the search.
    private var printPositions: UInt64 = 0

    /// Values shorter than this are scanned: hashing them would save little.
    static let shortestValue = 48
    /// At most this many entries.
    static let capacity = 32

    package init() {}

    /// How many members are remembered (for tests and diagnostics).
    package var count: Int { entries.count }

    /// The entry for the member `ordinal` of `level`, if any; `cursor` (0 for each object scanned)
    /// moves on past the entries before it, as members come in order.
    @inline(__always)
    func entry(at level: Level, ordinal: UInt32, _ cursor: inout Int) -> Entry? {
        while cursor < entries.count,
            entries[cursor].level.rawValue < level.rawValue
                || (entries[cursor].level == level && entries[cursor].ordinal < ordinal)
        {
            cursor += 1
        }
        guard cursor < entries.count, entries[cursor].level == level, entries[cursor].ordinal == ordinal else {
            return nil
        }
        return entries[cursor]
    }

    /// Remembers a member found identical to the stored value; replaces an entry at the same place.
    mutating func record(_ entry: Entry) {
        let index =
            entries.firstIndex {
                $0.level.rawValue > entry.level.rawValue || ($0.level == entry.level && $0.ordinal >= entry.ordinal)
            } ?? entries.endIndex
        if index < entries.endIndex, entries[index].level == entry.level, entries[index].ordinal == entry.ordinal {
            entries[index] = entry
        } else if entries.count < Self.capacity {
            entries.insert(entry, at: index)
        } else {
            return
        }
        if entry.level == .print { printPositions |= 1 << UInt64(entry.storedPosition & 63) }
    }

    /// Drops the entry of the stored `print` member at `position`: its value is about to change.
    @inline(__always)
    mutating func forgetPrintMember(at position: Int) {
        guard printPositions & (1 << UInt64(position & 63)) != 0 else { return }
        entries.removeAll { $0.level == .print && $0.storedPosition == UInt32(truncatingIfNeeded: position) }
        printPositions = entries.reduce(0) { $1.level == .print ? $0 | 1 << UInt64($1.storedPosition & 63) : $0 }
    }

    /// Drops every `print` entry (the stored object changed some other way).
    package mutating func forgetPrint() {
        guard printPositions != 0 else { return }
        entries.removeAll { $0.level == .print }
        printPositions = 0
    }

    /// Drops the `info` entry (the stored modules changed).
    package mutating func forgetInfo() {
        guard entries.last?.level == .info else { return }
        entries.removeAll { $0.level == .info }
    }

    /// The hash of a member's key and value bytes that entries keep.
    static func hash(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(key.count)
        hasher.combine(bytes: UnsafeRawBufferPointer(key))
        hasher.combine(bytes: UnsafeRawBufferPointer(value))
        return hasher.finalize()
    }
}

/// The merge of the `print` body keeps the entries true (see `ReportMerge.apply(tapeObjectAt:_:to:unchanged:)`).
extension UnchangedMembers: MemberObserver {
    mutating func foundIdentical(valueAt value: Int, storedAt position: Int, _ parser: borrowing JSONParser) {
        if let entry = parser.unchangedEntry(forValueAt: value, of: .print, storedPosition: position) { record(entry) }
    }

    @inline(__always)
    mutating func willChange(storedAt position: Int) { forgetPrintMember(at: position) }
}
