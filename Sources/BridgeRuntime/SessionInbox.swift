// SPDX-License-Identifier: AGPL-3.0-or-later
// The events waiting for one session loop, with host lines ahead of a printer-report backlog.

package import BridgeCore
import NIOConcurrencyHelpers

/// The queue between a session's producers (pty, printer link, timers, storage) and its one loop.
///
/// Exists because a single FIFO makes a host line wait behind every report the printer sent
/// before it: during a report flood on a loaded machine that backlog reached 0.6 s (issue 8).
/// Printer events (reports and link changes) keep their own order, and so do all other events;
/// an event that is not from the printer overtakes printer events only when at least two of them
/// are queued ahead of it, so a single report just before a host line is still applied first.
/// Events are taken by the session loop, or by the port's own thread right after it queued host
/// events (`SessionRunner`), never by both at once, so the session itself needs no lock of its own.
package final class SessionInbox: Sendable {
    private struct Queued {
        var sequence: Int
        var event: SessionEvent
    }

    private struct State {
        var printer: [Queued] = []
        var printerStart = 0
        var other: [Queued] = []
        var otherStart = 0
        var nextSequence = 0
        var finished = false
    }

    private let state = NIOLockedValueBox(State())
    /// Wakes the loop; at most one wake-up is buffered because the loop empties the inbox each time.
    package let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    package init() {
        (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues one event and, unless `wakingLoop` is false (the caller handles it itself), wakes the loop.
    package func yield(_ event: SessionEvent, wakingLoop: Bool = true) {
        let accepted = state.withLockedValue { state -> Bool in
            guard !state.finished else { return false }
            let queued = Queued(sequence: state.nextSequence, event: event)
            state.nextSequence += 1
            if Self.comesFromPrinter(event) { state.printer.append(queued) } else { state.other.append(queued) }
            return true
        }
        if accepted, wakingLoop { wake.yield() }
    }

    /// Wakes the loop (events queued without waking it were left for it).
    package func wakeLoop() { wake.yield() }

    /// Whether no event is queued.
    package var isEmpty: Bool {
        state.withLockedValue { $0.printer.count == $0.printerStart && $0.other.count == $0.otherStart }
    }

    /// Whether `finish()` was called.
    package var isFinished: Bool { state.withLockedValue { $0.finished } }

    /// Whether an event is queued and `finish()` was not called: what a drain that just ended asks,
    /// with one lock.
    package var hasEventsToHandle: Bool {
        state.withLockedValue { !$0.finished && ($0.printer.count > $0.printerStart || $0.other.count > $0.otherStart) }
    }

    /// The next event to handle, or nil when the inbox is empty or finished, or when `onlyHostEvents`
    /// is true and the next one is not from the host (it stays queued, and so does everything after it).
    ///
    /// One lock per event: checking `isFinished` first took a second one.
    package func next(onlyHostEvents: Bool = false) -> SessionEvent? {
        state.withLockedValue { state -> SessionEvent? in
            guard !state.finished else { return nil }
            let printerCount = state.printer.count - state.printerStart
            let otherCount = state.other.count - state.otherStart
            guard printerCount > 0 || otherCount > 0 else { return nil }
            let takePrinter: Bool
            if otherCount == 0 {
                takePrinter = true
            } else if printerCount == 0 {
                takePrinter = false
            } else {
                let other = state.other[state.otherStart].sequence
                let aheadOfOther = state.printer[state.printerStart].sequence < other
                let backlog = printerCount >= 2 && state.printer[state.printerStart + 1].sequence < other
                takePrinter = aheadOfOther && !backlog
            }
            if takePrinter {
                guard !onlyHostEvents else { return nil }
                let event = state.printer[state.printerStart].event
                state.printerStart += 1
                if state.printerStart == state.printer.count || state.printerStart >= 1024 {
                    state.printer.removeFirst(state.printerStart)
                    state.printerStart = 0
                }
                return event
            }
            let event = state.other[state.otherStart].event
            guard !onlyHostEvents || Self.comesFromHost(event) else { return nil }
            state.otherStart += 1
            if state.otherStart == state.other.count || state.otherStart >= 1024 {
                state.other.removeFirst(state.otherStart)
                state.otherStart = 0
            }
            return event
        }
    }

    /// Ends the wake-ups; later events are dropped.
    package func finish() {
        state.withLockedValue { $0.finished = true }
        wake.finish()
    }

    private static func comesFromHost(_ event: SessionEvent) -> Bool {
        switch event {
        case .hostBytes, .hostAttached, .hostDetached: true
        default: false
        }
    }

    private static func comesFromPrinter(_ event: SessionEvent) -> Bool {
        switch event {
        case .report, .linkUp, .linkDown, .linkConnecting: true
        default: false
        }
    }
}
