// SPDX-License-Identifier: AGPL-3.0-or-later
// Splits the host's byte stream into lines on CR, LF or CRLF, with a length limit.

/// Turns the bytes a host writes into lines.
///
/// Exists because hosts end lines with `\n`, `\r` or `\r\n` (serial-host.md §2) and a pty
/// delivers arbitrary chunks: a line may arrive in pieces, several lines in one read.
package struct LineAssembler: Sendable {
    /// One line the host finished.
    package enum Line: Equatable, Sendable {
        /// The bytes of a line, without its terminator.
        case text([UInt8])
        /// A line longer than the limit; its bytes were dropped. `length` counts them all.
        case overlong(length: Int)
    }

    /// Longest line accepted, in bytes.
    package let limit: Int
    private var buffer: [UInt8] = []
    private var droppedLength = 0

    package init(limit: Int = 4096) {
        self.limit = limit
        buffer.reserveCapacity(256)
    }

    /// Adds bytes and returns the lines they complete, in order. Empty lines are returned too.
    /// It scans for line ends instead of going byte by byte, and a line that arrived whole is
    /// copied once (benchmark 1).
    package mutating func push(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        bytes.withUnsafeBufferPointer { input in
            var index = 0
            while index < input.count {
                var end = index
                while end < input.count, input[end] != UInt8(ascii: "\n"), input[end] != UInt8(ascii: "\r") { end += 1 }
                let content = UnsafeBufferPointer(rebasing: input[index..<end])
                guard end < input.count else {
                    append(content)
                    return
                }
                if buffer.isEmpty, droppedLength == 0, content.count <= limit {
                    lines.append(.text(Array(content)))
                } else {
                    append(content)
                    if droppedLength > 0 {
                        lines.append(.overlong(length: droppedLength))
                        droppedLength = 0
                    } else {
                        lines.append(.text(buffer))
                    }
                    buffer = []
                }
                index = end + 1
            }
        }
        return lines
    }

    /// Adds bytes that end no line: kept up to `limit`; past it the line is dropped and only counted.
    private mutating func append(_ content: UnsafeBufferPointer<UInt8>) {
        if droppedLength > 0 {
            droppedLength += content.count
        } else if content.count <= limit - buffer.count {
            buffer.append(contentsOf: content)
        } else {
            // As if byte by byte: the byte after the limit turns the whole line into a count.
            droppedLength = buffer.count + content.count
            buffer = []
        }
    }

    package mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        droppedLength = 0
    }
}
