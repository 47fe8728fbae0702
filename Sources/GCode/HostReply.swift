// SPDX-License-Identifier: AGPL-3.0-or-later
// Every line we write to a serial host is formatted here.

/// One line written to the host.
///
/// Exists so reply text is formatted in one place, and so free text can never start a line with
/// something a host reacts to (`ok`, `Error:`, `Resend`, `start`…, serial-host.md §12).
package enum HostReply: Equatable, Sendable {
    /// `ok` or `ok <extra>`: acknowledges exactly one command.
    case ok(String? = nil)
    /// `echo:<text>`: Marlin's informational line.
    case echo(String)
    /// `Error:<text>`: only for framing errors, which hosts recover from (serial-host.md §3.4).
    case error(String)
    /// `Resend:<n>`.
    case resend(Int)
    /// `echo:busy: processing`: keeps the host's timeout alive during a long command.
    case busy
    /// `//action:<text>`: a host action command (serial-host.md §10).
    case action(String)
    /// `// <text>`: free text that every host ignores for parsing.
    case comment(String)
    /// A protocol line written as is: temperatures, `Cap:` lines, SD status.
    case line(String)

    /// The text of the line, without the line terminator.
    package var text: String {
        switch self {
        case .ok(nil): "ok"
        case .ok(let extra?): "ok " + Self.singleLine(extra)
        case .echo(let text): "echo:" + Self.singleLine(text)
        case .error(let text): "Error:" + Self.singleLine(text)
        case .resend(let number): "Resend:\(number)"
        case .busy: "echo:busy: processing"
        case .action(let text): "//action:" + Self.singleLine(text)
        case .comment(let text): "// " + Self.singleLine(text)
        case .line(let text): Self.singleLine(text)
        }
    }

    /// Whether this line acknowledges a command.
    package var isAcknowledgement: Bool {
        if case .ok = self { return true }
        return false
    }

    /// Free text as a host line: kept as is unless it would start like a protocol line
    /// (serial-host.md §12), in which case it becomes a `//` comment.
    package static func freeText(_ text: String) -> HostReply {
        let flattened = singleLine(text)
        return startsWithReservedWord(flattened) ? .comment(flattened) : .line(flattened)
    }

    /// True for text a host would take as protocol: `ok`, `Error:`, `!!`, `fatal:`, `rs`, `resend`,
    /// exactly `start` or `wait`, `Cap:`, `busy:`, `echo:busy`, or any `T:`/`B:`/SD keyword line.
    package static func startsWithReservedWord(_ text: String) -> Bool {
        let lower = text.lowercased()
        let trimmed = lower.drop(while: { $0 == " " })
        if trimmed == "start" || trimmed == "wait" || trimmed.isEmpty { return true }
        let prefixes = ["ok", "error", "!!", "fatal", "rs", "resend", "cap:", "busy:", "echo:busy", "t:", "t0:", "b:"]
        if prefixes.contains(where: { trimmed.hasPrefix($0) }) { return true }
        let keywords = [
            "sd printing byte", "not sd printing", "file opened", "file selected", "done printing file",
            "done saving file", "writing to file", "begin file list", "end file list", "sd card ok", "sd init fail",
            "firmware_name", " t:", " b:",
        ]
        return keywords.contains(where: { lower.contains($0) })
    }

    /// Replaces line breaks so one reply is always one line.
    private static func singleLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return text }
        return String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}

extension Array where Element == HostReply {
    /// The bytes of these lines, each ending in `\n`, for one write.
    package var wireBytes: [UInt8] {
        var bytes: [UInt8] = []
        for reply in self {
            bytes.append(contentsOf: reply.text.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}
