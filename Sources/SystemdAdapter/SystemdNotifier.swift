// SPDX-License-Identifier: AGPL-3.0-or-later
// sd_notify: READY, STATUS, RELOADING, STOPPING and WATCHDOG messages to systemd.

internal import CSystemd
import Foundation

/// Tells systemd how the daemon is doing.
///
/// Exists so `Type=notify` units know when the ports exist (`READY=1`) and can watch the daemon.
/// Outside systemd (`NOTIFY_SOCKET` unset) every call is a harmless no-op. Messages go out on a
/// thread of their own (`NotificationSender`), never on the caller's: `sd_notify` blocks while the
/// notify socket's queue is full.
package struct SystemdNotifier: Sendable {
    package init() {}

    /// Queues one or more `KEY=value` lines for systemd, in order; returns at once.
    package func send(_ state: String) {
        NotificationSender.shared?.enqueue(state)
    }

    /// Waits until every queued message went out, at most `timeout`; false when some did not.
    /// The wait runs on a thread of its own, not on the caller's (Swift's cooperative pool).
    @discardableResult
    package func flush(timeout: Duration) async -> Bool {
        guard let sender = NotificationSender.shared else { return true }
        return await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: sender.flush(timeout: timeout)) }.start()
        }
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

/// The one thread that calls `sd_notify`, with the messages waiting for it.
///
/// Exists because `sd_notify` blocks while the notify socket's queue is full (`net.unix.max_dgram_qlen`
/// is 10 where systemd's sysctl settings do not raise it) and the status changes with every printer
/// link: called on Swift's cooperative pool, two blocked calls stalled the whole daemon once the
/// reader fell behind (benchmark 3's harness reads only up to `READY=1`). A `STATUS=` message that
/// has not gone out yet is replaced by a newer one, so a slow reader gets the latest status, not a
/// backlog. `@unchecked Sendable`: the queue is guarded by `condition`.
final class NotificationSender: @unchecked Sendable {
    /// Nil outside systemd (no `NOTIFY_SOCKET`): then there is nothing to send and no thread.
    static let shared: NotificationSender? =
        ProcessInfo.processInfo.environment["NOTIFY_SOCKET"].map { _ in NotificationSender() }

    private let condition = NSCondition()
    private var pending: [String] = []
    private var sending = false
    private var started = false

    func enqueue(_ state: String) {
        condition.lock()
        defer { condition.unlock() }
        if Self.isStatusOnly(state), let last = pending.last, Self.isStatusOnly(last) {
            pending[pending.count - 1] = state
        } else {
            pending.append(state)
        }
        if !started {
            started = true
            let thread = Thread { [self] in run() }
            thread.name = "sd-notify"
            thread.start()
        }
        condition.signal()
    }

    func flush(timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while !pending.isEmpty || sending {
            guard condition.wait(until: deadline) else { return pending.isEmpty && !sending }
        }
        return true
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let next = pending.removeFirst()
            sending = true
            condition.unlock()
            _ = sd_notify(0, next)
            condition.lock()
            sending = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private static func isStatusOnly(_ state: String) -> Bool {
        state.split(separator: "\n").allSatisfy { $0.hasPrefix("STATUS=") }
    }
}
