// SPDX-License-Identifier: AGPL-3.0-or-later
// A file on the printer's storage, as the FTPS listing reports it.

/// One file in the printer's storage.
///
/// Exists so the core can list, select and print files without knowing FTPS: the runtime turns
/// the adapter's listing into these values.
package struct StoredFile: Sendable, Equatable {
    /// Absolute path on the printer, e.g. `/cache/Phone stand.gcode.3mf`.
    package var path: String
    package var size: Int
    package var modified: FileTimestamp?

    package init(path: String, size: Int, modified: FileTimestamp? = nil) {
        self.path = path
        self.size = size
        self.modified = modified
    }

    /// The path without its leading `/`, as hosts show it: `cache/Phone stand.gcode.3mf`.
    package var displayName: String { path.hasPrefix("/") ? String(path.dropFirst()) : path }

    /// The last path component.
    package var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }

    /// Whether a Bambu printer can print it (`.3mf`, `.gcode.3mf`, `.gcode`; serial-host.md §9.2).
    package var isPrintable: Bool {
        let lower = fileName.lowercased()
        guard !fileName.hasPrefix(".") else { return false }
        return lower.hasSuffix(".3mf") || lower.hasSuffix(".gcode")
    }

    /// The job name the printer shows: the file name without `.gcode.3mf`, `.3mf` or `.gcode`.
    package var jobName: String {
        var name = fileName
        for suffix in [".gcode.3mf", ".3mf", ".gcode"] where name.lowercased().hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count))
            break
        }
        return name
    }
}

/// A file's modification time (as the printer's clock wrote it; no time zone).
package struct FileTimestamp: Sendable, Equatable {
    package var year: Int
    package var month: Int
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int

    package init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The FAT date-time OctoPrint reads from `M20 T`: `0x` + lower-case hex, nil before 2008-05-29
    /// (OctoPrint discards those; serial-host.md §9.2).
    package var fatHex: String? {
        guard year >= 1980, year < 2108, (1...12).contains(month), (1...31).contains(day) else { return nil }
        if year < 2008 || (year == 2008 && (month < 5 || (month == 5 && day < 29))) { return nil }
        let date = ((year - 1980) << 9) | (month << 5) | day
        let time = (hour << 11) | (minute << 5) | (second / 2)
        return "0x" + String((date << 16) | time, radix: 16)
    }
}
