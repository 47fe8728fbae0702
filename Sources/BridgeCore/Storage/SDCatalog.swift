// SPDX-License-Identifier: AGPL-3.0-or-later
// The printable files with stable 8.3 aliases that hosts accept.

/// A printable file and the short name hosts use for it.
package struct SDEntry: Sendable, Equatable {
    /// The 8.3 alias ending in `.GCO`, e.g. `BENC1A2B.GCO`.
    package var alias: String
    package var file: StoredFile
}

/// The SD card as hosts see it.
///
/// Exists because OctoPrint drops every listed file whose short name does not end in `.gco`,
/// `.gcode` or `.g` (serial-host.md §9.2): each printable file gets an alias derived from its
/// path (so it is the same in every listing and after restarts) and keeps its real name as the
/// long name.
package struct SDCatalog: Sendable, Equatable {
    package private(set) var entries: [SDEntry] = []
    /// Whether a listing has been received.
    package private(set) var isLoaded = false

    package init() {}

    /// A catalog of the printable files among `files`, sorted by path.
    package init(files: [StoredFile]) {
        var used: Set<String> = []
        var entries: [SDEntry] = []
        for file in files.filter(\.isPrintable).sorted(by: { $0.path < $1.path }) {
            var salt = 0
            var alias = Self.alias(for: file.path, salt: salt)
            while used.contains(alias) {
                salt += 1
                alias = Self.alias(for: file.path, salt: salt)
            }
            used.insert(alias)
            entries.append(SDEntry(alias: alias, file: file))
        }
        self.entries = entries
        isLoaded = true
    }

    /// Up to four letters or digits of the name and four hex digits of a hash of the path.
    package static func alias(for path: String, salt: Int = 0) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let letters = name.uppercased().unicodeScalars.filter { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        var prefix = String(String.UnicodeScalarView(letters.prefix(4)))
        if prefix.isEmpty { prefix = "FILE" }
        var hash: UInt32 = 0x811c_9dc5
        for byte in (salt == 0 ? path : "\(path)#\(salt)").utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        let hex = String(hash & 0xffff, radix: 16, uppercase: true)
        return prefix + String(repeating: "0", count: 4 - hex.count) + hex + ".GCO"
    }

    /// Finds a file by alias or real name: case-insensitive, with or without a leading `/`.
    package func entry(named name: String) -> SDEntry? {
        var key = name.trimmingSpaces.lowercased()
        if key.hasPrefix("\""), key.hasSuffix("\""), key.count >= 2 { key = String(key.dropFirst().dropLast()) }
        while key.hasPrefix("/") { key.removeFirst() }
        return entries.first { $0.alias.lowercased() == key }
            ?? entries.first { $0.file.displayName.lowercased() == key }
            ?? entries.first { $0.file.fileName.lowercased() == key }
    }

    /// Finds the file a printer job names (`gcode_file` or `subtask_name`).
    package func entry(forJob gcodeFile: String?, subtask: String?) -> SDEntry? {
        if let gcodeFile, !gcodeFile.isEmpty {
            var path = gcodeFile
            for prefix in ["file:///sdcard", "ftp://", "/sdcard", "/mnt/sdcard"] where path.hasPrefix(prefix) {
                path = String(path.dropFirst(prefix.count))
            }
            if let found = entry(named: path) { return found }
        }
        if let subtask, !subtask.isEmpty {
            return entries.first { $0.file.jobName == subtask }
        }
        return nil
    }

    /// Removes a file (after a delete).
    package mutating func remove(path: String) {
        entries.removeAll { $0.file.path == path }
    }

    /// The `M20` block: plain, with long names (`L`) and with timestamps (`T`).
    package func listing(longNames: Bool, timestamps: Bool) -> [String] {
        var lines = ["Begin file list"]
        for entry in entries {
            var line = "\(entry.alias) \(entry.file.size)"
            if timestamps, let hex = entry.file.modified?.fatHex { line += " " + hex }
            if longNames { line += " \"\(entry.file.displayName)\"" }
            lines.append(line)
        }
        lines.append("End file list")
        return lines
    }
}

extension String {
    /// The string without leading and trailing spaces.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
