// SPDX-License-Identifier: AGPL-3.0-or-later
// The code reference in man/ and the README is the command table's own rendering, not stale.

import BridgeCore
import BridgeTestSupport
import GCode
import Testing

@Suite struct DocumentationTests {
    private func text(_ relativePath: String) throws -> String {
        String(decoding: try Fixtures.readBytes(Fixtures.repositoryRoot + "/" + relativePath), as: UTF8.self)
    }

    @Test func gcodeManPageIsTheTablesRendering() throws {
        let page = try text("man/bambu-serial-gcode.7")
        #expect(
            page == CommandManual().manPage(version: FirmwareIdentity.version),
            "man/bambu-serial-gcode.7 is stale: run `make docs`")
    }

    @Test func gcodeManPageListsEveryCode() throws {
        let page = try text("man/bambu-serial-gcode.7")
        for spec in CommandTable.standard.specs {
            #expect(page.contains(".B \(spec.code)"), "man/bambu-serial-gcode.7 does not document \(spec.code)")
        }
    }

    @Test func readmeHoldsTheTablesRendering() throws {
        let readme = try text("README.md")
        #expect(readme.contains(CommandManual().markdown()), "the README's code table is stale: run `make docs`")
        for spec in CommandTable.standard.specs {
            #expect(readme.contains("| `\(spec.code)` |"), "README.md does not document \(spec.code)")
        }
    }

    @Test func everySectionOfTheTableIsInTheManual() {
        let sections = CommandTable.standardSections.map(\.title)
        #expect(Set(sections).count == sections.count)
        let tabled = CommandTable.standardSections.reduce(0) { $0 + $1.specs.count }
        #expect(tabled == CommandTable.standard.specs.count)
    }

    @Test func manPageEscapesWhatRoffWouldMisread() {
        let spec = CommandSpec(
            .m(8199), ".starts with a dot – and a dash \\ backslash", translation: "none") { _, _ in }
        let page = CommandManual(sections: [("Test", [spec])]).manPage(version: "0")
        #expect(page.contains("\\&.starts with a dot \\[u2013] and a dash \\e backslash."))
        #expect(page.contains(".SH TEST"))
    }

    @Test func readmeTableEscapesPipes() {
        let spec = CommandSpec(.m(8199), "a | b", translation: "x|y") { _, _ in }
        let table = CommandManual(sections: [("Test", [spec])]).markdown()
        #expect(table.contains("| `M8199` | a \\| b | – | x\\|y | all models |"))
    }

    /// Every code the README's seed table names (the dashboard's commands) is one the bridge answers.
    @Test func seedTableNamesOnlyCodesInTheTable() throws {
        let readme = try text("README.md")
        let section = try #require(readme.split(separator: "## From the seed's dashboard to G-codes").last)
        let table = section.split(separator: "\n## ").first ?? section
        var named: [String] = []
        for row in table.split(separator: "\n") where row.hasPrefix("| ") && !row.hasPrefix("| ---") {
            let cells = row.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 2 else { continue }
            for word in cells[2].split(whereSeparator: { " `/(),".contains($0) }) {
                guard let letter = word.first, letter == "M" || letter == "T", let number = Int(word.dropFirst())
                else { continue }
                named.append(String(word))
                _ = number
            }
        }
        #expect(named.count > 30, "the seed table names \(named.count) codes")
        let answered = Set(CommandTable.standard.specs.map { "\($0.code)" })
        for word in named {
            #expect(answered.contains(word), "the seed table names \(word), which the bridge does not answer")
        }
    }
}
