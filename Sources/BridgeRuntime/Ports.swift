// SPDX-License-Identifier: AGPL-3.0-or-later
// The two ports a printer session talks through: the host side (pty) and the printer link (MQTT).

package import BridgeCore

/// What the host side of a slot reports.
package enum HostPortEvent: Sendable, Equatable {
    /// Bytes the host wrote.
    case bytes([UInt8])
    /// A host opened the port.
    case attached
    /// The last host closed the port.
    case detached
}

/// The host side of a printer slot: a pseudo-terminal, or an in-memory fake in tests.
///
/// Exists so the session driver does not know about ptys, and tests can run it without one.
package protocol HostPort: Sendable {
    /// Host events, in order; finishes when the port closes.
    var events: AsyncStream<HostPortEvent> { get }
    /// Writes one block. Dropped while no host is attached or the host is not reading.
    func write(_ bytes: [UInt8])
    /// Hands every host event, in order from the port's creation on, to `sink` on the port's own threads
    /// instead of through `events` (one task hop less per host line: BENCHMARKS.md, benchmark 1),
    /// and calls `delivered` on the port's own thread after each batch (and once after the events
    /// replayed at installation), with none of the port's locks held: the driver handles the batch there. Returns false when the port only offers `events`; after
    /// true, read nothing from `events`.
    func deliverEvents(
        to sink: @escaping @Sendable (HostPortEvent) -> Void, then delivered: @escaping @Sendable () -> Void
    ) -> Bool
    /// Writes one block meant for the host of the `generation`-th `.attached` event; dropped when
    /// another host has the port by now (replies to a departed host never reach the next one).
    func write(_ bytes: [UInt8], forHost generation: Int)
}

extension HostPort {
    /// Ports without a direct path (the test fakes) deliver through `events`.
    package func deliverEvents(
        to sink: @escaping @Sendable (HostPortEvent) -> Void, then delivered: @escaping @Sendable () -> Void
    ) -> Bool { false }

    /// Ports that cannot tell hosts apart write to whoever is there.
    package func write(_ bytes: [UInt8], forHost generation: Int) { write(bytes) }
}

/// What the printer link reports.
package enum PrinterLinkEvent: Sendable, Equatable {
    /// A connection attempt begins.
    case connecting
    /// Connected and subscribed.
    case up
    /// The connection ended or failed; `reason` is shown to the user; `permanent` when a retry
    /// cannot fix it (wrong access code, certificate, unknown host).
    case down(reason: String, permanent: Bool)
    /// One report message as received.
    case message([UInt8])
}

/// The connection to one printer: MQTT over TLS, or an in-memory fake in tests.
///
/// Exists so the session driver and its tests do not depend on libmosquitto.
package protocol PrinterLink: Sendable {
    /// Link events, in order; finishes when the link is closed.
    var events: AsyncStream<PrinterLinkEvent> { get }
    /// Publishes one request; never blocks on the network.
    func publish(_ request: OutgoingRequest)
}
