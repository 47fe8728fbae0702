// SPDX-License-Identifier: AGPL-3.0-or-later
// The file codes M8170–M8174: the exact storage requests and host lines.

import BridgeCore
import Testing

@Suite struct FileCommandTests {
    private func idle() -> SessionHarness {
        var harness = SessionHarness(downloadDirectory: "/var/lib/bambu-serial/downloads/test")
        harness.report(#"{"print":{"command":"push_status","gcode_state":"IDLE"}}"#)
        harness.listing([StoredFile(path: "/Benchy.gcode.3mf", size: 1000, modified: nil)])
        return harness
    }

    @Test func listsAFolderFoldersFirstThenFiles() {
        var harness = idle()
        #expect(harness.line("M8170 models/") == "")
        #expect(harness.storage.last == .file(operation: 1, .list(path: "/models")))
        let entries = [
            FolderEntry(name: "b.3mf", isDirectory: false, size: 20), FolderEntry(name: "A part.3mf", isDirectory: false, size: 10),
            FolderEntry(name: "old", isDirectory: true, size: 0),
        ]
        #expect(harness.handle(.storageFolderListed(operation: 1, entries: entries)) == "// old/\n// A part.3mf 10\n// b.3mf 20\n")
        #expect(harness.handle(.storageFinished(operation: 1, error: nil)) == "ok\n")
    }

    @Test func listsTheRootByDefaultAndSaysWhenEmpty() {
        var harness = idle()
        harness.line("M8170")
        #expect(harness.storage.last == .file(operation: 1, .list(path: "/")))
        #expect(harness.handle(.storageFolderListed(operation: 1, entries: [])) == "// (empty folder)\n")
    }

    @Test func createsRenamesAndDeletesFolders() {
        var harness = idle()
        harness.line("M8171 /models/new")
        #expect(harness.storage.last == .file(operation: 1, .makeDirectory(path: "/models/new")))
        #expect(harness.handle(.storageFinished(operation: 1, error: nil)) == "// created /models/new/\nok\n")
        harness.line("M8172 /My Part.3mf -> models/My Part.3mf")
        #expect(harness.storage.last == .file(operation: 2, .rename(from: "/My Part.3mf", to: "/models/My Part.3mf")))
        #expect(harness.handle(.storageFinished(operation: 2, error: nil)) == "// renamed /My Part.3mf to /models/My Part.3mf\nok\n")
        harness.line("M8173 /models/")
        #expect(harness.storage.last == .file(operation: 3, .removeFolder(path: "/models")))
        #expect(
            harness.handle(.storageFinished(operation: 3, error: "550 not found"))
                == "echo:M8173: cannot delete /models\nok\n//action:notification test: 550 not found\n")
    }

    @Test func downloadsIntoTheStateDirectory() {
        var harness = idle()
        harness.line("M8174 /cache/Phone stand.gcode.3mf")
        #expect(
            harness.storage.last
                == .file(
                    operation: 1,
                    .download(
                        remotePath: "/cache/Phone stand.gcode.3mf",
                        localPath: "/var/lib/bambu-serial/downloads/test/Phone stand.gcode.3mf")))
        #expect(
            harness.handle(.storageFinished(operation: 1, error: nil))
                == "// downloaded /cache/Phone stand.gcode.3mf to /var/lib/bambu-serial/downloads/test/Phone stand.gcode.3mf\nok\n")
    }

    @Test func refusesWhatWouldHurt() {
        var harness = idle()
        #expect(harness.line("M8171") == "echo:M8171: a path is needed\nok\n")
        #expect(harness.line("M8173 /") == "echo:M8173: refusing to delete the whole storage\nok\n")
        #expect(harness.line("M8172 /a.3mf") == "echo:M8172: write M8172 <from> -> <to>\nok\n")
        #expect(harness.line("M8170 /../etc") == "echo:M8170: paths may not contain ..\nok\n")
        var noState = SessionHarness()
        #expect(noState.line("M8174 /a.3mf") == "echo:M8174: downloads need a state directory\nok\n")
        #expect(harness.storage.isEmpty, "refused codes queue no storage request")
    }

    @Test func leavesThePrintingFileAlone() {
        var harness = idle()
        harness.line("M23 Benchy.gcode.3mf")
        harness.line("M24")
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","gcode_file":"/Benchy.gcode.3mf"}}"#)
        #expect(harness.line("M8172 /Benchy.gcode.3mf -> /old.3mf") == "echo:M8172: /Benchy.gcode.3mf is being printed\nok\n")
        #expect(harness.line("M8173 /") == "echo:M8173: refusing to delete the whole storage\nok\n")
    }
}
