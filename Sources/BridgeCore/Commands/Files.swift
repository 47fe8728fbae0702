// SPDX-License-Identifier: AGPL-3.0-or-later
// File codes M8170–M8174: folders, renames and downloads on the printer's storage.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The file family: what the SD codes cannot express (bambu-lan.md §6), the seed's file manager.
    /// Paths are absolute on the printer's storage (a missing leading `/` is added); the rest of
    /// the line is the path, so names keep their spaces.
    static let files: Self = [
        CommandSpec(
            .m(8170), "List a folder of the printer's storage (folders end with /, files show their size)",
            translation: "FTPS LIST <path> (default /)"
        ) { command, context in
            let path = try remotePath(command, defaultPath: "/")
            try startFileRequest(.list(path: path), &context, success: [], failure: [.echo("M8170: cannot list \(path)")])
        },
        CommandSpec(.m(8171), "Create a folder", translation: "FTPS MKD <path>") { command, context in
            let path = try remotePath(command)
            try startFileRequest(
                .makeDirectory(path: path), &context, success: [.comment("created \(path)/")],
                failure: [.echo("M8171: cannot create \(path)")])
        },
        CommandSpec(
            .m(8172), "Rename or move a file or folder: M8172 <from> -> <to>", translation: "FTPS RNFR <from>, RNTO <to>"
        ) { command, context in
            let parts = command.argumentText.split(separator: " -> ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw CommandError("M8172: write M8172 <from> -> <to>") }
            let from = try normalizedPath(String(parts[0]), code: "M8172")
            let to = try normalizedPath(String(parts[1]), code: "M8172")
            try refuseIfPrinting(from, context, code: "M8172")
            try startFileRequest(
                .rename(from: from, to: to), &context, success: [.comment("renamed \(from) to \(to)")],
                failure: [.echo("M8172: cannot rename \(from)")])
        },
        CommandSpec(
            .m(8173), "Delete a folder and everything in it", translation: "FTPS LIST, DELE for each file, RMD"
        ) { command, context in
            let path = try remotePath(command)
            guard path != "/" else { throw CommandError("M8173: refusing to delete the whole storage") }
            try refuseIfPrinting(path + "/", context, code: "M8173")
            try startFileRequest(
                .removeFolder(path: path), &context, success: [.comment("deleted \(path)/")],
                failure: [.echo("M8173: cannot delete \(path)")])
        },
        CommandSpec(
            .m(8174), "Download a file from the printer into the state directory; answers the local path",
            translation: "FTPS RETR <path> to <state_dir>/downloads/<printer>/<name>"
        ) { command, context in
            let path = try remotePath(command)
            guard let directory = context.configuration.downloadDirectory else {
                throw CommandError("M8174: downloads need a state directory")
            }
            let name = path.split(separator: "/").last.map(String.init) ?? path
            let local = directory + "/" + name
            try startFileRequest(
                .download(remotePath: path, localPath: local), &context, success: [.comment("downloaded \(path) to \(local)")],
                failure: [.echo("M8174: cannot download \(path)")], timeout: .seconds(600))
        },
    ]
}

/// The path on the command line, normalized; `defaultPath` when none is given.
private func remotePath(_ command: GCodeCommand, defaultPath: String? = nil) throws -> String {
    let text = command.argumentText.trimmingSpaces
    if text.isEmpty, let defaultPath { return defaultPath }
    return try normalizedPath(text, code: "\(command.code)")
}

/// `a/b/` → `/a/b`; refuses empty paths and `..`.
private func normalizedPath(_ raw: String, code: String) throws -> String {
    let parts = raw.trimmingSpaces.split(separator: "/")
    guard !raw.trimmingSpaces.isEmpty else { throw CommandError("\(code): a path is needed") }
    guard !parts.contains("..") else { throw CommandError("\(code): paths may not contain ..") }
    return "/" + parts.joined(separator: "/")
}

/// Refuses to touch the file being printed (or, for a folder path ending in `/`, anything under it).
private func refuseIfPrinting(_ path: String, _ context: CommandContext, code: String) throws {
    guard context.sd.job.isActive, let printing = context.sd.job.entry?.file.path else { return }
    let hit = path.hasSuffix("/") ? printing.lowercased().hasPrefix(path.lowercased()) : printing.lowercased() == path.lowercased()
    if hit { throw CommandError("\(code): \(printing) is being printed") }
}

/// Queues the request and holds the `ok` until the worker reports.
private func startFileRequest(
    _ request: FileRequest, _ context: inout CommandContext, success: [HostReply], failure: [HostReply],
    timeout: Duration = .seconds(60)
) throws {
    let operation = context.sd.makeOperationID()
    context.storage(.file(operation: operation, request))
    context.ack = .wait(.storage(operation: operation, success: success, failure: failure), timeout: timeout)
}
