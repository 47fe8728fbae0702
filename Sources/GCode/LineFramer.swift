// SPDX-License-Identifier: AGPL-3.0-or-later
// Marlin's serial line rules: N line numbers, * checksums, M110 and the resend reply.

/// Validates one host line the way Marlin's `queue.cpp` does.
///
/// Exists because every serial host numbers and checksums lines and recovers from errors only
/// through Marlin's exact replies (serial-host.md §3). Framing is kept apart from dispatch:
/// the framer only decides whether a line is executed, never what it does.
package struct LineFramer: Sendable {
    /// The outcome of framing one line.
    package enum Outcome: Equatable, Sendable {
        /// Blank, whitespace-only or comment-only: no reply at all.
        case empty
        /// A command to execute (line number, checksum and comment removed).
        case command(String)
        /// A crossed resend of a line already executed: acknowledge, do not execute.
        case duplicate
        /// Rejected: write these lines (error, resend, ok) in one write.
        case rejected([HostReply])
        /// Not executed, with an explanation and an `ok` (checksum error on an unnumbered line).
        case ignored([HostReply])
    }

    /// The last accepted line number (`M110 N<n>` sets it).
    package private(set) var lastLineNumber: Int = 0

    package init() {}

    /// XOR of every byte, the checksum Marlin expects after `*`.
    package static func checksum(of text: some Sequence<UInt8>) -> UInt8 {
        text.reduce(0) { $0 ^ $1 }
    }

    /// Forgets the line number (a new host attached).
    package mutating func reset() { lastLineNumber = 0 }

    /// Frames one line (bytes without the terminator).
    package mutating func frame(_ raw: [UInt8]) -> Outcome {
        // Non-ASCII and control bytes become '?' (what OctoPrint's ascii/replace encoding does).
        var bytes = raw.map { $0 == 0x09 ? 0x20 : ($0 < 0x20 || $0 > 0x7E ? UInt8(ascii: "?") : $0) }
        while let first = bytes.first, first == 0x20 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 { bytes.removeLast() }
        guard !bytes.isEmpty, bytes[0] != UInt8(ascii: ";") else { return .empty }

        // Split off the checksum at the last '*'. A '*' inside double quotes (a JSON string of M8152) that
        // is not followed by a well-formed checksum is text, not a checksum marker.
        var body = bytes[...]
        var checksum: Int? = nil
        var checksumPresent = false
        if let star = bytes.lastIndex(of: UInt8(ascii: "*")) {
            let digits = bytes[(star + 1)...].filter { $0 != 0x20 }
            let wellFormed = !digits.isEmpty && digits.count <= 3 && digits.allSatisfy({ (0x30...0x39).contains($0) })
            if wellFormed || !Self.isQuoted(bytes[..<star]) {
                checksumPresent = true
                body = bytes[..<star]
                if wellFormed { checksum = Int(String(decoding: digits, as: UTF8.self)) }
            }
        }

        guard let (lineNumber, afterNumber) = Self.lineNumber(in: body) else {
            // An unnumbered line: executed without checks, but a wrong checksum is never executed.
            if checksumPresent {
                guard let checksum, checksum == Int(Self.checksum(of: body)) else {
                    return .ignored([.echo("checksum mismatch on a line without a line number; line ignored"), .ok()])
                }
            }
            let command = Self.stripComment(body)
            if let parsed = GCodeCommand(command), parsed.code == .m(110), let number = parsed.parameters["N"] {
                lastLineNumber = Int(number) ?? lastLineNumber
            }
            return command.isEmpty ? .empty : .command(command)
        }

        let command = Self.stripComment(body[afterNumber...])
        if let code = GCodeCommand(command)?.code, code == .m(110) {
            if checksumPresent, checksum != Int(Self.checksum(of: body)) {
                return .rejected(errorBlock("checksum mismatch"))
            }
            let parameters = GCodeCommand(command)?.parameters ?? [:]
            lastLineNumber = parameters["N"].flatMap { Int($0) } ?? lineNumber
            return .command(command)
        }
        if lineNumber != lastLineNumber + 1 {
            if lineNumber == lastLineNumber || lineNumber == lastLineNumber - 1 { return .duplicate }
            return .rejected(errorBlock("Line Number is not Last Line Number+1"))
        }
        guard checksumPresent else { return .rejected(errorBlock("No Checksum with line number")) }
        guard checksum == Int(Self.checksum(of: body)) else { return .rejected(errorBlock("checksum mismatch")) }
        lastLineNumber = lineNumber
        return command.isEmpty ? .empty : .command(command)
    }

    /// The three-line reply of serial-host.md §3.4.
    private func errorBlock(_ reason: String) -> [HostReply] {
        [.error("\(reason), Last Line: \(lastLineNumber)"), .resend(lastLineNumber + 1), .ok()]
    }

    /// Reads `N<int>` (negative allowed) at the start; returns it and where the command starts.
    private static func lineNumber(in body: ArraySlice<UInt8>) -> (Int, Int)? {
        guard let first = body.first, first == UInt8(ascii: "N") || first == UInt8(ascii: "n") else { return nil }
        var index = body.startIndex + 1
        var digits: [UInt8] = []
        if index < body.endIndex, body[index] == UInt8(ascii: "-") {
            digits.append(body[index])
            index += 1
        }
        while index < body.endIndex, (0x30...0x39).contains(body[index]), digits.count < 12 {
            digits.append(body[index])
            index += 1
        }
        guard let number = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
        while index < body.endIndex, body[index] == 0x20 { index += 1 }
        return (number, index)
    }

    /// Whether the end of `bytes` lies inside a double-quoted string (a backslash escapes the next byte
    /// inside quotes, as in JSON).
    private static func isQuoted(_ bytes: ArraySlice<UInt8>) -> Bool {
        var quoted = false
        var escaped = false
        for byte in bytes {
            if escaped {
                escaped = false
            } else if quoted, byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            }
        }
        return quoted
    }

    /// Removes a `;` comment outside double quotes (JSON escapes respected), and surrounding spaces.
    private static func stripComment(_ bytes: ArraySlice<UInt8>) -> String {
        var end = bytes.endIndex
        var quoted = false
        var escaped = false
        for index in bytes.indices {
            let byte = bytes[index]
            if escaped {
                escaped = false
                continue
            }
            if quoted, byte == UInt8(ascii: "\\") {
                escaped = true
                continue
            }
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if byte == UInt8(ascii: ";"), !quoted {
                end = index
                break
            }
        }
        var slice = bytes[bytes.startIndex..<end]
        while let first = slice.first, first == 0x20 { slice.removeFirst() }
        while let last = slice.last, last == 0x20 { slice.removeLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}
