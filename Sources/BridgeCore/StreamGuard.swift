// SPDX-License-Identifier: AGPL-3.0-or-later
// Tells a print streamed line by line from the host apart from a user's manual moves.

/// Detects a host-streamed print: many moves (G0–G3) in a short time.
///
/// Exists because a Bambu printer cannot run a whole print as single `gcode_line` requests
/// (serial-host.md §9.12): OctoPrint "printing" a file from its own storage sends moves as fast
/// as the `ok`s come, dozens per second, while jogging sends a few per second at most. Once a
/// stream is seen, moves are answered but not sent until the host has been quiet for a while.
package struct StreamGuard: Sendable, Equatable {
    /// Moves within `window` that make a stream.
    package static let threshold = 10
    package static let window: Duration = .seconds(5)
    /// Quiet time after which moves are sent again.
    package static let quietTime: Duration = .seconds(30)

    private var recentMoves: [Duration] = []
    /// While set, moves are refused until this time (extended by every refused move).
    private(set) var refusingUntil: Duration?
    /// Whether the host has yet to be told (once per stream).
    var shouldAnnounce = false

    package init() {}

    /// Records a move at `now`; true when it belongs to a stream and must not be sent.
    package mutating func refuses(at now: Duration) -> Bool {
        if let until = refusingUntil {
            if now < until {
                refusingUntil = now + Self.quietTime
                return true
            }
            refusingUntil = nil
            recentMoves.removeAll()
        }
        recentMoves.append(now)
        if recentMoves.count > Self.threshold { recentMoves.removeFirst(recentMoves.count - Self.threshold) }
        guard recentMoves.count == Self.threshold, let first = recentMoves.first, now - first <= Self.window else {
            return false
        }
        refusingUntil = now + Self.quietTime
        shouldAnnounce = true
        return true
    }
}
