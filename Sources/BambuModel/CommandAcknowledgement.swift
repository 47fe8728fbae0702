// SPDX-License-Identifier: AGPL-3.0-or-later
// A printer's answer to one request.

/// The printer's echo of a command on the report topic (bambu-lan.md §1.3).
///
/// Exists so requests can be matched to their answers by `sequence_id` and failures surfaced with
/// the printer's reason (for example `"mqtt message verify failed"` under Authorization Control).
package struct CommandAcknowledgement: Equatable, Sendable {
    /// The top-level key of the message: `print`, `system`, `xcam`, `info`, `mc_print`…
    package var module: String
    /// The echoed `command`.
    package var command: String
    /// The echoed `sequence_id` (numbers are rendered as decimal text).
    package var sequenceID: String?
    /// `result` as sent: `success`, `failed`, `SUCCESS`… (case varies by module).
    package var result: String?
    /// `reason`, when the printer explains a failure.
    package var reason: String?

    package init(
        module: String,
        command: String,
        sequenceID: String? = nil,
        result: String? = nil,
        reason: String? = nil
    ) {
        self.module = module
        self.command = command
        self.sequenceID = sequenceID
        self.result = result
        self.reason = reason
    }

    /// Whether `result` says success, ignoring case.
    package var succeeded: Bool { result?.lowercased() == "success" }
}
