// SPDX-License-Identifier: AGPL-3.0-or-later
// The connection state of one printer as the user sees it.

/// Where the link to one printer stands.
///
/// Exists so the host, the log and `status` tell the same story: `pending → connecting →
/// connected`; `connected → reconnecting` on loss; `error` for failures a retry cannot fix by
/// itself (wrong access code, certificate mismatch, unknown host).
package enum LinkState: Equatable, Sendable {
    case pending
    case connecting
    case connected
    case reconnecting(reason: String)
    case error(reason: String)

    /// The state's name as printed: `connecting`, `error`…
    package var name: String {
        switch self {
        case .pending: "pending"
        case .connecting: "connecting"
        case .connected: "connected"
        case .reconnecting: "reconnecting"
        case .error: "error"
        }
    }

    /// Why the link is down, when it is.
    package var reason: String? {
        switch self {
        case .reconnecting(let reason), .error(let reason): reason
        default: nil
        }
    }
}
