// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs one printer's transfers one after another on a thread of their own.

import Foundation
import NIOConcurrencyHelpers
import Synchronization

/// A serial job queue drained by one dedicated thread.
///
/// Exists because `curl_easy_perform` blocks for as long as a transfer takes (a 96 MB job takes
/// about 20 minutes over Wi-Fi, bambu-lan.md §6.1) and must not sit on Swift's cooperative pool,
/// and because a printer refuses concurrent transfers (`425`), so jobs never overlap. The thread
/// starts when a job arrives and ends when the queue is empty, so idle printers cost no thread.
final class TransferQueue: Sendable {
    /// One queued job; `run` is called on the queue's thread.
    struct Job: Sendable {
        let run: @Sendable () -> Void
    }

    /// Jobs not yet started, and whether a thread is draining them.
    private struct State {
        var jobs: [Job] = []
        var draining = false
    }

    private let state = NIOLockedValueBox(State())
    private let name: String

    init(name: String) {
        self.name = name
    }

    /// Appends `job`; starts the thread if none is draining the queue.
    func submit(_ job: Job) {
        let startThread = state.withLockedValue { state -> Bool in
            state.jobs.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        guard startThread else { return }
        let thread = Thread { [self] in self.drain() }
        thread.name = name
        thread.start()
    }

    private func drain() {
        while let job = next() { job.run() }
    }

    private func next() -> Job? {
        state.withLockedValue { state -> Job? in
            guard !state.jobs.isEmpty else {
                state.draining = false
                return nil
            }
            return state.jobs.removeFirst()
        }
    }
}

/// A cancellation request that a running transfer polls from libcurl's progress callback.
///
/// Exists because task cancellation happens on another thread while the transfer blocks in libcurl.
final class CancellationFlag: Sendable {
    private let flag = Atomic(false)

    func cancel() { flag.store(true, ordering: .relaxed) }

    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
