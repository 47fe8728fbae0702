// SPDX-License-Identifier: AGPL-3.0-or-later
// The session's side of camera requests: the held `ok` of M8160 and its answer.

import GCode

extension PrinterSession {
    /// The answer to a `saveSnapshot` request: the path (or the reason) then the held `ok`.
    ///
    /// An answer for a wait that is gone (the host reconnected, the wait timed out) is dropped:
    /// every `ok` answers exactly one line (serial-host.md §0 rule 2).
    mutating func snapshotFinished(
        _ operation: Int, outcome: SnapshotOutcome, at now: Duration, into output: inout Output
    ) {
        guard let pending = waiting, case .snapshot(let waitingFor) = pending.condition, waitingFor == operation
        else { return }
        waiting = nil
        switch outcome {
        case .saved(let path):
            output.write([.comment("snapshot saved: \(path)"), .ok()])
        case .failed(let reason):
            output.write([.echo("\(pending.code): no snapshot from \(configuration.printerName)'s camera: \(reason)"), .ok()])
        }
        drainQueue(at: now, into: &output)
    }

    /// What a held `ok` says when its wait runs out.
    static func timeoutMessage(_ pending: PendingWait) -> String {
        if case .snapshot = pending.condition {
            return "\(pending.code): the camera did not deliver a snapshot in time"
        }
        return "\(pending.code) stopped waiting: target not reached in time"
    }
}
