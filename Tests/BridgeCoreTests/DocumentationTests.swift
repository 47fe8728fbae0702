// SPDX-License-Identifier: AGPL-3.0-or-later
// Every code in the command table is documented in the man page and the README.

import BridgeCore
import BridgeTestSupport
import Testing

@Suite struct DocumentationTests {
    private func text(_ relativePath: String) throws -> String {
        String(decoding: try Fixtures.readBytes(Fixtures.repositoryRoot + "/" + relativePath), as: UTF8.self)
    }

    @Test func manPageListsEveryCode() throws {
        let page = try text("man/bambu-serial.8")
        for spec in CommandTable.standard.specs {
            #expect(page.contains("\(spec.code)"), "man/bambu-serial.8 does not document \(spec.code)")
        }
    }

    @Test func readmeListsEveryCode() throws {
        let readme = try text("README.md")
        for spec in CommandTable.standard.specs {
            #expect(readme.contains("\(spec.code)"), "README.md does not document \(spec.code)")
        }
    }
}
