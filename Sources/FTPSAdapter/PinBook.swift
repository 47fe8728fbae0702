// SPDX-License-Identifier: AGPL-3.0-or-later
// The certificate fingerprints one client expects and has seen.

import NIOConcurrencyHelpers

/// The pin a transfer must match, and the fingerprint the last handshake showed.
///
/// Exists because the transfer thread learns the fingerprint while callers read it from any
/// thread (`FTPSClient.lastSeenFingerprint`), and because `.pinned(_, pin: nil)` trusts the first
/// certificate it sees and then holds later transfers to it, as the MQTT client does.
final class PinBook: Sendable {
    /// The expected pin, the last fingerprint, and whether the first accepted one becomes the pin.
    private struct State {
        var expected: String?
        var lastSeen: String?
        var learns: Bool
    }

    private let state: NIOLockedValueBox<State>

    init(security: FTPSTransportSecurity) {
        switch security {
        case .pinned(_, let pin):
            state = NIOLockedValueBox(State(expected: pin?.lowercased(), lastSeen: nil, learns: pin == nil))
        case .insecure, .ca:
            state = NIOLockedValueBox(State(expected: nil, lastSeen: nil, learns: false))
        }
    }

    /// The pin the next handshake must match, if any.
    var expected: String? { state.withLockedValue { $0.expected } }

    /// The SHA-256 (hex) of the last certificate a handshake presented.
    var lastSeen: String? { state.withLockedValue { $0.lastSeen } }

    /// Records a handshake's fingerprint; `accepted` when our certificate check passed it.
    func saw(_ fingerprint: String, learn accepted: Bool) {
        state.withLockedValue { state in
            state.lastSeen = fingerprint
            if accepted, state.learns, state.expected == nil { state.expected = fingerprint }
        }
    }
}
