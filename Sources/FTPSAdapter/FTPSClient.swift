// SPDX-License-Identifier: AGPL-3.0-or-later
// Async file operations on one printer's FTPS server, run one at a time on a dedicated thread.

import Foundation
package import Logging

/// Lists, uploads, downloads and manages files on one printer over implicit FTPS.
///
/// Exists to be the only code that uses libcurl (style rule 2). Every operation is a job on this
/// client's `TransferQueue`: one thread, one transfer at a time, because a printer refuses
/// concurrent data connections (`425`, bambu-lan.md §6.1) and `curl_easy_perform` blocks. Each
/// request uses a fresh easy handle: implicit TLS 1.2, login as `bblp`, `PBSZ 0`/`PROT P`, `PASV`,
/// the control connection's TLS session resumed on the data connection, and the wait for the
/// final `226`. Cancelling the calling task aborts the transfer within about a second.
package final class FTPSClient: Sendable {
    private let endpoint: FTPSEndpoint
    private let logger: Logger
    private let queue: TransferQueue
    private let pins: PinBook

    package init(endpoint: FTPSEndpoint, logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
        queue = TransferQueue(name: "ftps-\(endpoint.authority)")
        pins = PinBook(security: endpoint.security)
    }

    /// The SHA-256 (lower-case hex) of the certificate the printer presented last, for pinning.
    package var lastSeenFingerprint: String? { pins.lastSeen }

    /// The entries of `directory` (`LIST`), without `.` and `..`.
    /// - Throws: `.notFound` when the directory does not exist, or any connection error.
    package func list(_ directory: String) async throws(FTPSError) -> [RemoteFile] {
        let now = RemoteFileDate.now()
        return try await run { session throws(FTPSError) in try session.list(directory, now: now) }
    }

    /// Streams `localFile` to `remotePath`, creating missing directories, and returns after the
    /// printer's `226`. A partial remote file left by a failure is deleted (best effort).
    /// - Parameter progress: `(sent, total)` bytes, on the transfer thread; it must return quickly.
    ///   The last call reports `(total, total)` once the printer confirmed the file.
    package func upload(
        localFile: String, to remotePath: String, progress: (@Sendable (Int64, Int64) -> Void)?
    ) async throws(FTPSError) {
        try await run { session throws(FTPSError) in
            try session.upload(localFile: localFile, to: remotePath, progress: progress)
        }
    }

    /// Uploads `bytes` to `remotePath`, like `upload(localFile:to:progress:)`.
    package func upload(bytes: [UInt8], to remotePath: String) async throws(FTPSError) {
        try await run { session throws(FTPSError) in try session.upload(bytes: bytes, to: remotePath) }
    }

    /// Downloads `remotePath` to `localFile` (written as `localFile.part`, renamed when complete).
    package func download(_ remotePath: String, to localFile: String) async throws(FTPSError) {
        try await run { session throws(FTPSError) in try session.download(remotePath, to: localFile) }
    }

    /// Deletes a file (`DELE`).
    package func delete(_ remotePath: String) async throws(FTPSError) {
        try await run { session throws(FTPSError) in try session.delete(remotePath) }
    }

    /// Creates one directory (`MKD`); its parent must exist.
    package func makeDirectory(_ remotePath: String) async throws(FTPSError) {
        try await run { session throws(FTPSError) in try session.makeDirectory(remotePath) }
    }

    /// Removes an empty directory (`RMD`).
    package func removeDirectory(_ remotePath: String) async throws(FTPSError) {
        try await run { session throws(FTPSError) in try session.removeDirectory(remotePath) }
    }

    /// Renames or moves a file (`RNFR`/`RNTO`).
    package func rename(_ from: String, to: String) async throws(FTPSError) {
        try await run { session throws(FTPSError) in try session.rename(from, to: to) }
    }

    /// The size of a file in bytes (`SIZE`).
    package func size(_ remotePath: String) async throws(FTPSError) -> Int {
        try await run { session throws(FTPSError) in try session.size(remotePath) }
    }

    /// Queues `work` on the transfer thread and waits for it; cancellation aborts it.
    private func run<Value: Sendable>(
        _ work: @escaping @Sendable (TransferSession) throws(FTPSError) -> Value
    ) async throws(FTPSError) -> Value {
        let cancellation = CancellationFlag()
        let session = TransferSession(endpoint: endpoint, logger: logger, pins: pins, cancellation: cancellation)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, FTPSError>, Never>) in
                queue.submit(
                    TransferQueue.Job {
                        guard !cancellation.isCancelled else {
                            let error = FTPSError(.cancelled, "cancelled before the transfer started")
                            continuation.resume(returning: .failure(error))
                            return
                        }
                        continuation.resume(returning: Result { () throws(FTPSError) -> Value in try work(session) })
                    }
                )
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }
}
