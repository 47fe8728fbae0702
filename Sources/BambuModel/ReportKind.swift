// SPDX-License-Identifier: AGPL-3.0-or-later
// What one MQTT report message turned out to be.

/// The kind of one module entry in a report message, returned by `PrinterState.apply(_:)`.
///
/// Exists so the session can react to what arrived (a status change to re-evaluate waits, a version
/// answer, an acknowledgement to match against a pending request by `sequence_id`) without
/// re-inspecting the JSON (bambu-lan.md §1.3, §2.1).
package enum ReportKind: Equatable, Sendable {
    /// A `print` push_status (or a `print` object without `command`) merged into the state.
    case status
    /// An `info` get_version answer stored as the version modules.
    case version
    /// Any other module message with a `command`; not merged into the state.
    case acknowledgement(CommandAcknowledgement)
    /// Not an object, or a shape this model does not know.
    case ignored
}
