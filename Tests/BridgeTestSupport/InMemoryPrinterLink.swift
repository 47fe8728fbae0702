// SPDX-License-Identifier: AGPL-3.0-or-later
// A printer link that records what is published and delivers reports the test writes.

package import BridgeCore
package import BridgeRuntime
import NIOConcurrencyHelpers

/// The in-memory twin of the MQTT link.
///
/// Exists so session and pty tests can assert the exact JSON a command publishes, and play the
/// printer's side, without a broker.
package final class InMemoryPrinterLink: PrinterLink, Sendable {
    package let events: AsyncStream<PrinterLinkEvent>
    private let continuation: AsyncStream<PrinterLinkEvent>.Continuation
    private let recorded = NIOLockedValueBox<[OutgoingRequest]>([])

    package init() {
        (events, continuation) = AsyncStream<PrinterLinkEvent>.makeStream()
    }

    package func publish(_ request: OutgoingRequest) {
        recorded.withLockedValue { $0.append(request) }
    }

    /// Everything published so far, in order.
    package var published: [OutgoingRequest] { recorded.withLockedValue { $0 } }

    /// The payloads published so far, in order.
    package var publishedPayloads: [String] { published.map(\.payload) }

    /// Forgets what was published.
    package func clearPublished() { recorded.withLockedValue { $0.removeAll() } }

    /// The link comes up.
    package func connect() { continuation.yield(.up) }

    /// The link goes down.
    package func disconnect(reason: String, permanent: Bool = false) {
        continuation.yield(.down(reason: reason, permanent: permanent))
    }

    /// Delivers one report message.
    package func deliver(_ text: String) { continuation.yield(.message(Array(text.utf8))) }

    /// Delivers one report message given as bytes.
    package func deliver(bytes: [UInt8]) { continuation.yield(.message(bytes)) }

    /// Ends the event stream.
    package func finish() { continuation.finish() }

    /// Waits until at least `count` requests were published, or the timeout passes.
    package func waitForPublished(count: Int, timeout: Duration = .seconds(5)) async -> [OutgoingRequest] {
        await Wait.until(timeout: timeout) { self.published.count >= count }
        return published
    }
}

/// Waiting for a condition in tests, with a deadline instead of a fixed sleep.
package enum Wait {
    /// Checks `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
    @discardableResult
    package static func until(timeout: Duration, _ condition: @Sendable () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }
}
