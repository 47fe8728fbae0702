// SPDX-License-Identifier: AGPL-3.0-or-later
// The client's operations as they run on the transfer thread: one or more libcurl requests each.

#if canImport(Glibc)
import Glibc
#endif
import Logging

/// One queued operation's view of the printer, on the transfer thread.
///
/// Exists to keep the blocking work (files, libcurl requests, the clean-up after a failed
/// upload) apart from the async API in `FTPSClient`. Each method performs its requests one
/// after another and turns failures into `FTPSError` through the single classifier.
struct TransferSession {
    let endpoint: FTPSEndpoint
    let logger: Logger
    let pins: PinBook
    let cancellation: CancellationFlag

    // MARK: - Operations

    func list(_ directory: String, now: RemoteFileDate) throws(FTPSError) -> [RemoteFile] {
        let path = try RemotePath.normalize(directory)
        let outcome = try run(TransferRequest(path: path, body: .listing), .list(path))
        let text = String(decoding: outcome.listing, as: UTF8.self)
        return ListingParser.parse(text, directory: path, now: now)
    }

    func upload(
        localFile: String, to remotePath: String, progress: (@Sendable (Int64, Int64) -> Void)?
    ) throws(FTPSError) {
        let path = try RemotePath.normalize(remotePath)
        let descriptor = open(localFile, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.localError("cannot open \(localFile)") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.localError("cannot read \(localFile)") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FTPSError(.localFile, "cannot upload \(localFile): not a regular file")
        }
        try upload(.file(descriptor: descriptor, path: localFile), total: Int64(status.st_size), to: path, progress)
    }

    func upload(bytes: [UInt8], to remotePath: String) throws(FTPSError) {
        let path = try RemotePath.normalize(remotePath)
        try upload(.bytes(bytes), total: Int64(bytes.count), to: path, nil)
    }

    /// Downloads into `<localFile>.part`, renamed over `localFile` only once the printer sent everything.
    func download(_ remotePath: String, to localFile: String) throws(FTPSError) {
        let path = try RemotePath.normalize(remotePath)
        let partial = localFile + ".part"
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.localError("cannot create \(partial)") }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            let request = TransferRequest(path: path, body: .download(descriptor: descriptor, path: partial))
            _ = try run(request, .download(path))
        } catch {
            unlink(partial)
            throw error
        }
        closed = true
        guard close(descriptor) == 0 else {
            let failure = Self.localError("cannot write \(partial)")
            unlink(partial)
            throw failure
        }
        guard Glibc.rename(partial, localFile) == 0 else {
            let failure = Self.localError("cannot rename \(partial) to \(localFile)")
            unlink(partial)
            throw failure
        }
    }

    func delete(_ remotePath: String) throws(FTPSError) {
        let path = try RemotePath.normalize(remotePath)
        _ = try run(TransferRequest(path: "/", body: .none, quote: ["DELE \(path)"]), .delete(path))
    }

    func makeDirectory(_ remotePath: String) throws(FTPSError) {
        let path = try RemotePath.normalize(remotePath)
        _ = try run(TransferRequest(path: "/", body: .none, quote: ["MKD \(path)"]), .makeDirectory(path))
    }

    func removeDirectory(_ remotePath: String) throws(FTPSError) {
        let path = try RemotePath.normalize(remotePath)
        _ = try run(TransferRequest(path: "/", body: .none, quote: ["RMD \(path)"]), .removeDirectory(path))
    }

    func rename(_ from: String, to: String) throws(FTPSError) {
        let source = try RemotePath.normalize(from)
        let target = try RemotePath.normalize(to)
        let request = TransferRequest(path: "/", body: .none, quote: ["RNFR \(source)", "RNTO \(target)"])
        _ = try run(request, .rename(source, to: target))
    }

    /// `SIZE`, which libcurl sends for a body-less request on a file URL.
    func size(_ remotePath: String) throws(FTPSError) -> Int {
        let path = try RemotePath.normalize(remotePath)
        let outcome = try run(TransferRequest(path: path, body: .fileInfo), .size(path))
        guard outcome.contentLength >= 0 else {
            throw FTPSError(.protocolError, "the printer did not report the size of \(path)")
        }
        return Int(outcome.contentLength)
    }

    // MARK: - Upload and its clean-up

    private func upload(
        _ source: TransferRequest.UploadSource, total: Int64, to path: String,
        _ progress: (@Sendable (Int64, Int64) -> Void)?
    ) throws(FTPSError) {
        guard !path.hasSuffix("/") else {
            throw FTPSError(.protocolError, "cannot upload to \(path): the remote path names a directory")
        }
        var request = TransferRequest(path: path, body: .upload(source, total: total))
        request.createMissingDirectories = true
        request.progress = progress
        request.cancellation = cancellation
        let outcome = perform(request)
        if outcome.succeeded {
            if let progress, total > 0, outcome.progressReported < total { progress(total, total) }
            logger.debug("upload complete", metadata: metadata(path, ["ftps.bytes": "\(total)"]))
            return
        }
        // Some P2S firmware answers 426 although the file is complete (bambu-lan.md §6.1): check SIZE.
        if outcome.uploaded == total, outcome.responseCode == 426 || outcome.responseCode == 451,
            !outcome.cancelled, let remote = try? self.size(path), remote == Int(total)
        {
            logger.info(
                "upload reported failed but the file is complete",
                metadata: metadata(path, ["ftp.reply": "\(outcome.responseCode)"])
            )
            if let progress, total > 0, outcome.progressReported < total { progress(total, total) }
            return
        }
        let error = FTPSError(outcome, during: .upload(path), endpoint: endpoint)
        if outcome.dataTransferStarted || outcome.uploaded > 0 { removePartialUpload(path) }
        throw error
    }

    /// Best effort: a partial file must not look like a finished job on the printer.
    private func removePartialUpload(_ path: String) {
        var request = TransferRequest(path: "/", body: .none, quote: ["DELE \(path)"])
        request.totalTimeoutSeconds = 30
        let outcome = perform(request)
        if outcome.succeeded {
            logger.info("removed a partial upload", metadata: metadata(path))
        } else {
            let error = FTPSError(outcome, during: .delete(path), endpoint: endpoint)
            logger.info("cannot remove a partial upload", metadata: metadata(path, ["error": "\(error.message)"]))
        }
    }

    // MARK: - Requests

    /// Performs `request` (with cancellation) and throws the classified error when it failed.
    private func run(_ request: TransferRequest, _ operation: FTPSOperation) throws(FTPSError) -> TransferOutcome {
        var request = request
        request.cancellation = cancellation
        let outcome = perform(request)
        guard outcome.succeeded else {
            let error = FTPSError(outcome, during: operation, endpoint: endpoint)
            logger.debug(
                "ftps operation failed",
                metadata: metadata(operation.path, ["ftps.operation": "\(operation.name)", "error": "\(error.message)"])
            )
            throw error
        }
        return outcome
    }

    /// One libcurl request; records the certificate fingerprint it saw.
    private func perform(_ request: TransferRequest) -> TransferOutcome {
        let outcome = CurlEasy.perform(request, endpoint: endpoint, expectedPin: pins.expected)
        if let fingerprint = outcome.fingerprint { pins.saw(fingerprint, learn: outcome.tlsFailure.isEmpty) }
        return outcome
    }

    private func metadata(_ path: String, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["ftps.host": "\(endpoint.authority)", "ftps.path": "\(path)"]
        metadata.merge(extra) { _, new in new }
        return metadata
    }

    private static func localError(_ what: String) -> FTPSError {
        FTPSError(.localFile, "\(what): \(String(cString: strerror(errno)))")
    }
}
