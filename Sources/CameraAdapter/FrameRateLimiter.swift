// SPDX-License-Identifier: AGPL-3.0-or-later
// Drops frames above the configured rate, tolerant of arrival jitter.

/// Decides per arriving frame whether it is delivered.
///
/// Exists so frames above `max_fps` are dropped before the expensive JPEG encoding, without
/// dropping frames of a stream that arrives at exactly the limit with jittery timing: each
/// delivered frame books the next slot one interval later, and a frame half an interval early
/// still takes its slot; after a pause the schedule restarts from the arrival time.
package struct FrameRateLimiter: Sendable {
    private let interval: Duration
    private var nextSlot: ContinuousClock.Instant?

    /// `maxFramesPerSecond` ≤ 0 means unlimited.
    package init(maxFramesPerSecond: Double) {
        interval = maxFramesPerSecond > 0 ? .seconds(1 / maxFramesPerSecond) : .zero
    }

    /// Whether a frame arriving at `now` is delivered (and books the next slot when it is).
    package mutating func admit(at now: ContinuousClock.Instant) -> Bool {
        guard interval > .zero else { return true }
        if let nextSlot, now < nextSlot - interval / 2 { return false }
        let booked = (nextSlot ?? now) + interval
        nextSlot = max(booked, now + interval / 2)
        return true
    }
}
