// SPDX-License-Identifier: AGPL-3.0-or-later
// sd_notify: READY, STATUS, RELOADING, STOPPING and WATCHDOG messages to systemd.

internal import CSystemd

/// Tells systemd how the daemon is doing.
///
/// Exists so `Type=notify` units know when the ports exist (`READY=1`) and can watch the daemon.
/// Outside systemd (`NOTIFY_SOCKET` unset) every call is a harmless no-op.
package struct SystemdNotifier: Sendable {
    package init() {}

    /// Sends one or more `KEY=value` lines; returns false when systemd did not get them.
    @discardableResult
    package func send(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    /// The watchdog interval systemd asked for, if any (`WatchdogSec=`).
    package var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    /// Whether the system was booted with systemd.
    package var isSystemdBooted: Bool { sd_booted() > 0 }
}
