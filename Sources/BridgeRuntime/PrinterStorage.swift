// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer's file storage as a port, and the worker that carries out a session's storage requests.

package import BridgeCore
import Foundation

/// The printer's storage: FTPS in the daemon, an in-memory fake in tests.
///
/// Exists so the session driver does not depend on libcurl.
package protocol PrinterStorage: Sendable {
    /// Files in `/` and `/cache` (non-recursive), with sizes and dates.
    func listPrintableLocations() async throws -> [StoredFile]
    func delete(path: String) async throws
    /// Uploads a local file; `progress` gets 0–100.
    func upload(localFile: String, to remotePath: String, progress: @escaping @Sendable (Int) -> Void) async throws
    /// The entries of one folder.
    func list(folder: String) async throws -> [FolderEntry]
    func makeDirectory(path: String) async throws
    func rename(from: String, to: String) async throws
    /// Deletes a folder with everything in it.
    func removeFolder(path: String) async throws
    /// Copies a remote file to a local file.
    func download(remotePath: String, toLocalFile localFile: String) async throws
    /// One file's contents from inside the ZIP archive (3MF) at `path`, inflated.
    func readArchiveEntry(path: String, entry: String) async throws -> [UInt8]
}

extension PrinterStorage {
    /// Storages that cannot read archives (test fakes) say so.
    package func readArchiveEntry(path: String, entry: String) async throws -> [UInt8] {
        throw ArchiveReadUnsupported()
    }
}

/// The storage cannot read entries of archives.
package struct ArchiveReadUnsupported: Error, CustomStringConvertible {
    package init() {}
    package var description: String { "this storage cannot read 3MF archives" }
}

/// Carries out one session's storage requests, one at a time, in order.
///
/// Exists because printers allow one transfer at a time (bambu-lan.md §6.1) and because a
/// listing must never hold up the host: results come back to the session as events.
struct StorageWorker: Sendable {
    /// The storage of the current connection (it changes when the configuration is reloaded).
    let storage: @Sendable () -> (any PrinterStorage)?
    let spoolDirectory: String
    let printerName: String

    /// Runs `commands` until the stream ends, reporting through `report`.
    func run(_ commands: AsyncStream<StorageCommand>, report: @escaping @Sendable (SessionEvent) -> Void) async {
        let spools = SpoolFiles(directory: spoolDirectory, printerName: printerName)
        var lastListing: ContinuousClock.Instant?
        for await command in commands {
            switch command {
            case .refreshList:
                // Coalesce bursts (M21 then M20, several uploads): at most one listing per second.
                if let last = lastListing, ContinuousClock.now - last < .seconds(1) { continue }
                lastListing = ContinuousClock.now
                guard let storage = storage() else {
                    report(.storageListFailed(reason: "no storage configured"))
                    continue
                }
                do {
                    report(.storageListed(try await storage.listPrintableLocations()))
                } catch {
                    report(.storageListFailed(reason: "\(error)"))
                }
            case .delete(let operation, let path):
                guard let storage = storage() else {
                    report(.storageFinished(operation: operation, error: "no storage configured"))
                    continue
                }
                do {
                    try await storage.delete(path: path)
                    lastListing = nil
                    report(.storageFinished(operation: operation, error: nil))
                } catch {
                    report(.storageFinished(operation: operation, error: "\(error)"))
                }
            case .readSliceInfo(let path):
                guard let storage = storage() else {
                    report(.sliceInfoRead(path: path, bytes: nil, error: "no storage configured"))
                    continue
                }
                do {
                    let bytes = try await storage.readArchiveEntry(path: path, entry: "Metadata/slice_info.config")
                    report(.sliceInfoRead(path: path, bytes: bytes, error: nil))
                } catch {
                    report(.sliceInfoRead(path: path, bytes: nil, error: "\(error)"))
                }
            case .beginSpool(let operation):
                spools.begin(operation)
            case .appendSpool(let operation, let bytes):
                spools.append(operation, bytes)
            case .discardSpool(let operation):
                spools.discard(operation)
            case .file(let operation, let request):
                guard let storage = storage() else {
                    report(.storageFinished(operation: operation, error: "no storage configured"))
                    continue
                }
                do {
                    try await perform(request, operation: operation, on: storage, report: report)
                    if request.changesListing { lastListing = nil }
                    report(.storageFinished(operation: operation, error: nil))
                } catch {
                    report(.storageFinished(operation: operation, error: "\(error)"))
                }
            case .finishSpool(let operation, let remotePath):
                let path = await spools.close(operation)
                defer { spools.remove(path) }
                guard let storage = storage() else {
                    report(.storageFinished(operation: operation, error: "no storage configured"))
                    continue
                }
                do {
                    try await storage.upload(localFile: path, to: remotePath) { percent in
                        report(.storageProgress(operation: operation, percent: percent))
                    }
                    lastListing = nil
                    report(.storageFinished(operation: operation, error: nil))
                } catch {
                    report(.storageFinished(operation: operation, error: "\(error)"))
                }
            }
        }
        await spools.discardAll()
    }

    private func perform(
        _ request: FileRequest, operation: Int, on storage: any PrinterStorage,
        report: @escaping @Sendable (SessionEvent) -> Void
    ) async throws {
        switch request {
        case .list(let path):
            report(.storageFolderListed(operation: operation, entries: try await storage.list(folder: path)))
        case .makeDirectory(let path):
            try await storage.makeDirectory(path: path)
        case .rename(let from, let to):
            try await storage.rename(from: from, to: to)
        case .removeFolder(let path):
            try await storage.removeFolder(path: path)
        case .download(let remotePath, let localPath):
            let directory = String(localPath[..<(localPath.lastIndex(of: "/") ?? localPath.startIndex)])
            if !directory.isEmpty { try await SpoolFiles.makeDirectory(directory) }
            try await storage.download(remotePath: remotePath, toLocalFile: localPath)
        }
    }
}

extension FileRequest {
    /// Whether the operation can change what `M20` lists.
    fileprivate var changesListing: Bool {
        switch self {
        case .list, .download: false
        case .makeDirectory, .rename, .removeFolder: true
        }
    }
}

/// The local files uploads are spooled to (`M28` … `M29`), written on a queue of their own.
///
/// Exists so file writes never block a thread of Swift's cooperative pool: appends are queued
/// without waiting (in order), and `close` waits until every queued write is on disk.
final class SpoolFiles: @unchecked Sendable {
    private let queue = DispatchQueue(label: "bambu-serial.spool")
    private let directory: String
    private let printerName: String
    /// Open spools; touched only on `queue`.
    private var handles: [Int: FileHandle] = [:]

    init(directory: String, printerName: String) {
        self.directory = directory
        self.printerName = printerName
    }

    func path(_ operation: Int) -> String { directory + "/\(printerName)-\(operation).upload" }

    func begin(_ operation: Int) {
        queue.async { [self] in
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path(operation), contents: nil)
            handles[operation] = FileHandle(forWritingAtPath: path(operation))
        }
    }

    func append(_ operation: Int, _ bytes: [UInt8]) {
        queue.async { [self] in handles[operation]?.write(Data(bytes)) }
    }

    func discard(_ operation: Int) {
        queue.async { [self] in
            try? handles.removeValue(forKey: operation)?.close()
            try? FileManager.default.removeItem(atPath: path(operation))
        }
    }

    /// Closes the spool once every queued write is done; returns its path.
    func close(_ operation: Int) async -> String {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                try? handles.removeValue(forKey: operation)?.close()
                continuation.resume(returning: path(operation))
            }
        }
    }

    func remove(_ path: String) {
        queue.async { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Closes and deletes every open spool (the session ended).
    func discardAll() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                for (operation, handle) in handles {
                    try? handle.close()
                    try? FileManager.default.removeItem(atPath: path(operation))
                }
                handles.removeAll()
                continuation.resume()
            }
        }
    }

    /// Creates a directory off the cooperative pool.
    static func makeDirectory(_ path: String) async throws {
        try await offCooperativePool {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
    }
}
