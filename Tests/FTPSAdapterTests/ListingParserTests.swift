// SPDX-License-Identifier: AGPL-3.0-or-later
// LIST lines as vsFTPd and pyftpdlib print them, and the year guess for recent files.

import FTPSAdapter
import Testing

/// `LIST` parsing without a server: the line formats printers and pyftpdlib produce.
@Suite struct ListingParserTests {
    static let now = RemoteFileDate(year: 2025, month: 6, day: 20, hour: 12, minute: 0)

    @Test(arguments: [
        // vsFTPd, old file with year (bambu-lan.md §6.3)
        (
            "-rw-r--r--    1 1000     1000      1632221 Jun 17  2025 video_2025-06-17_10-00-00.mp4",
            "video_2025-06-17_10-00-00.mp4", 1_632_221, RemoteFileDate(year: 2025, month: 6, day: 17), false
        ),
        // pyftpdlib, recent file, a name with spaces (two of them in a row)
        (
            "-rw-r--r--   1 root     root         1915 Jun 17 14:03 Phone  stand.gcode.3mf",
            "Phone  stand.gcode.3mf", 1915, RemoteFileDate(year: 2025, month: 6, day: 17, hour: 14, minute: 3), false
        ),
        // a directory
        (
            "drwxr-xr-x    2 1000     1000         4096 Jan 01  2024 cache",
            "cache", 4096, RemoteFileDate(year: 2024, month: 1, day: 1), true
        ),
        // no year and a date later than now: last year
        (
            "-rw-r--r--    1 1000     1000          12 Dec 24 10:00 old.gcode",
            "old.gcode", 12, RemoteFileDate(year: 2024, month: 12, day: 24, hour: 10), false
        ),
        // no year, a few hours ahead of "now" (printer clock in another zone): still this year
        (
            "-rw-r--r--    1 1000     1000          12 Jun 20 20:30 fresh.gcode",
            "fresh.gcode", 12, RemoteFileDate(year: 2025, month: 6, day: 20, hour: 20, minute: 30), false
        ),
        // without a group column
        (
            "-rw-r--r--    1 ftp          77 Mar  3  2023 a.3mf",
            "a.3mf", 77, RemoteFileDate(year: 2023, month: 3, day: 3), false
        ),
        // a symbolic link shows its own name
        (
            "lrwxrwxrwx    1 0        0              4 Feb 02  2025 sd -> /mnt",
            "sd", 4, RemoteFileDate(year: 2025, month: 2, day: 2), false
        ),
    ])
    func parsesLine(line: String, name: String, size: Int, date: RemoteFileDate, directory: Bool) throws {
        let entry = try #require(ListingParser.parseLine(line[...], directory: "/cache", now: Self.now))
        #expect(entry.name == name)
        #expect(entry.path == "/cache/" + name)
        #expect(entry.size == size)
        #expect(entry.modified == date)
        #expect(entry.isDirectory == directory)
    }

    @Test func skipsDotsTotalsAndGarbage() {
        let text = """
            total 12\r
            drwxr-xr-x    2 1000     1000         4096 Jan 01  2024 .\r
            drwxr-xr-x    2 1000     1000         4096 Jan 01  2024 ..\r
            -rw-r--r--    1 1000     1000          100 Jan 01  2024 Benchy.gcode.3mf\r
            something else entirely\r

            """
        let entries = ListingParser.parse(text, directory: "/", now: Self.now)
        #expect(entries.map(\.path) == ["/Benchy.gcode.3mf"])
    }

    @Test(arguments: [("/", "a", "/a"), ("/cache/", "a b", "/cache/a b"), ("cache", "x", "/cache/x")])
    func joinsPaths(directory: String, name: String, path: String) {
        #expect(ListingParser.join(directory, name) == path)
    }

    @Test func datesCompareInTimeOrder() {
        #expect(RemoteFileDate(year: 2024, month: 12, day: 31, hour: 23) < RemoteFileDate(year: 2025, month: 1, day: 1))
        #expect(RemoteFileDate(year: 1970, month: 1, day: 2).secondsSinceEpoch == 86_400)
        #expect(RemoteFileDate(year: 2000, month: 3, day: 1).secondsSinceEpoch == 951_868_800)
    }
}
