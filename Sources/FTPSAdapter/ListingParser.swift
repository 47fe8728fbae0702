// SPDX-License-Identifier: AGPL-3.0-or-later
// Parses Unix `ls -l` lines from FTP LIST into RemoteFile values.

/// Reads a `LIST` reply.
///
/// Exists because printers answer `LIST` with vsFTPd's Unix `ls -l` lines and no machine-readable
/// alternative is known to work (`MLSD` is unverified, bambu-lan.md §6.3). Lines look like
/// `-rw-r--r--    1 1000     1000      1632221 Jun 17  2025 name.mp4`, with `HH:MM` instead of the
/// year for recent files. The name is everything after the date, so spaces survive.
package enum ListingParser {
    /// Entries in `directory` (absolute), skipping `.`, `..`, `total` lines and lines it cannot read.
    ///
    /// - Parameter now: the current date; a date without a year is placed in `now`'s year unless
    ///   that is more than a day in the future (the printer's clock zone is unknown), then a year earlier.
    package static func parse(_ text: String, directory: String, now: RemoteFileDate) -> [RemoteFile] {
        // `isNewline`, not `== "\n"`: a CRLF pair is one Character, and FTP listings end lines with CRLF.
        text.split(whereSeparator: \.isNewline).compactMap {
            parseLine($0, directory: directory, now: now)
        }
    }

    /// One listing line, or `nil` when it is not an entry.
    package static func parseLine(_ line: Substring, directory: String, now: RemoteFileDate) -> RemoteFile? {
        let words = Self.words(in: line)
        guard words.count >= 5, let type = line.first, "-dlbcps".contains(type) else { return nil }
        // Find "<size> <Mon> <day> <year|HH:MM> <name…>": owner and group columns vary between servers.
        for index in 2..<max(2, words.count - 3) {
            guard let month = Self.month(line[words[index]]),
                let day = Int(line[words[index + 1]]), (1...31).contains(day),
                let size = Int(line[words[index - 1]]), size >= 0,
                let date = Self.date(line[words[index + 2]], month: month, day: day, now: now)
            else { continue }
            var name = String(line[words[index + 3].lowerBound...])
            if type == "l" { name = Self.stripLinkTarget(name) }
            guard !name.isEmpty, name != ".", name != ".." else { return nil }
            return RemoteFile(
                path: join(directory, name), name: name, size: size, modified: date, isDirectory: type == "d"
            )
        }
        return nil
    }

    /// `directory` + `/` + `name`, with exactly one slash between them and a leading slash.
    package static func join(_ directory: String, _ name: String) -> String {
        var base = directory.hasPrefix("/") ? directory : "/" + directory
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        return base == "/" ? "/" + name : base + "/" + name
    }

    /// `name -> target` → `name`.
    private static func stripLinkTarget(_ text: String) -> String {
        let characters = Array(text)
        let arrow: [Character] = [" ", "-", ">", " "]
        guard characters.count > arrow.count else { return text }
        for start in 0...(characters.count - arrow.count) where Array(characters[start..<start + 4]) == arrow {
            return String(characters[..<start])
        }
        return text
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func month(_ word: Substring) -> Int? {
        guard word.count == 3, let index = months.firstIndex(of: word.lowercased()) else { return nil }
        return index + 1
    }

    private static func date(_ word: Substring, month: Int, day: Int, now: RemoteFileDate) -> RemoteFileDate? {
        let parts = word.split(separator: ":")
        if parts.count == 1, word.count == 4, let year = Int(word) {
            return RemoteFileDate(year: year, month: month, day: day)
        }
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        var guess = RemoteFileDate(year: now.year, month: month, day: day, hour: hour, minute: minute)
        if guess.secondsSinceEpoch > now.secondsSinceEpoch + 86_400 { guess.year -= 1 }
        return guess
    }

    /// The ranges of the space-separated words of `line`.
    private static func words(in line: Substring) -> [Range<Substring.Index>] {
        var ranges: [Range<Substring.Index>] = []
        var start: Substring.Index?
        var index = line.startIndex
        while index < line.endIndex {
            let isSpace = line[index] == " " || line[index] == "\t"
            if isSpace, let begin = start {
                ranges.append(begin..<index)
                start = nil
            } else if !isSpace, start == nil {
                start = index
            }
            index = line.index(after: index)
        }
        if let begin = start { ranges.append(begin..<line.endIndex) }
        return ranges
    }
}
