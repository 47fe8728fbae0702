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
    package mutating func push(_ bytes: some Sequence<UInt8>) -> [Line] {
        var lines: [Line] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if droppedLength > 0 {
                    lines.append(.overlong(length: droppedLength))
                    droppedLength = 0
                } else {
                    lines.append(.text(buffer))
                }
                buffer.removeAll(keepingCapacity: true)
            } else if droppedLength > 0 {
                droppedLength += 1
            } else if buffer.count >= limit {
                droppedLength = buffer.count + 1
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.append(byte)
            }
        }
        return lines
    }

    /// Forgets a partial line (the host went away).
    package mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        droppedLength = 0
    }
}
