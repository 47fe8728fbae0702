// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer's storage port over FTPS: listings of / and /cache, uploads, deletes.

package import BridgeCore
import BridgeRuntime
import Foundation


/// `PrinterStorage` backed by the printer's implicit-FTPS server.
///
/// Exists to translate between the adapter's `RemoteFile` and the core's `StoredFile`, and to
/// list exactly the places printable jobs live (bambu-lan.md §6.2).
package struct FTPSPrinterStorage: PrinterStorage {
    private let client: FTPSClient

    package init(client: FTPSClient) { self.client = client }

    package func listPrintableLocations() async throws -> [StoredFile] {
        var files: [StoredFile] = []
        for directory in ["/", "/cache"] {
            var listing: [RemoteFile] = []
            do {
                listing = try await client.list(directory)
            } catch {
                // No /cache on this printer is normal; anything else is a real failure.
                guard error.kind == .notFound, directory != "/" else { throw error }
            }
            for file in listing where !file.isDirectory {
                files.append(
                    StoredFile(
                        path: file.path, size: file.size,
                        modified: file.modified.map {
                            FileTimestamp(
                                year: $0.year, month: $0.month, day: $0.day, hour: $0.hour, minute: $0.minute,
                                second: $0.second)
                        }))
            }
        }
        return files
    }

    package func delete(path: String) async throws {
        try await client.delete(path)
    }

    package func upload(localFile: String, to remotePath: String, progress: @escaping @Sendable (Int) -> Void)
        async throws
    {
        try await client.upload(localFile: localFile, to: remotePath) { sent, total in
            progress(total > 0 ? Int(sent * 100 / total) : 0)
        }
    }

    package func list(folder: String) async throws -> [FolderEntry] {
        try await client.list(folder).map {
            FolderEntry(name: $0.name, isDirectory: $0.isDirectory, size: $0.isDirectory ? 0 : $0.size)
        }
    }

    package func makeDirectory(path: String) async throws {
        try await client.makeDirectory(path)
    }

    package func rename(from: String, to: String) async throws {
        try await client.rename(from, to: to)
    }

    /// Deletes the files, then the subfolders depth first, then the folder itself (`RMD`).
    package func removeFolder(path: String) async throws {
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        for entry in try await client.list(base) {
            let child = base + "/" + entry.name
            if entry.isDirectory {
                try await removeFolder(path: child)
            } else {
                try await client.delete(child)
            }
        }
        try await client.removeDirectory(base)
    }

    package func download(remotePath: String, toLocalFile localFile: String) async throws {
        try await client.download(remotePath, to: localFile)
    }

    /// Downloads the archive to a temporary file, reads the one entry, and deletes the file.
    ///
    /// The whole 3MF is fetched: printers' FTP servers are not known to honour `REST` reliably,
    /// and the file is read once per job.
    package func readArchiveEntry(path: String, entry: String) async throws -> [UInt8] {
        let local = FileManager.default.temporaryDirectory.path + "/bambu-serial-\(UUID().uuidString).3mf"
        do {
            try await client.download(path, to: local)
        } catch {
            try? FileManager.default.removeItem(atPath: local)
            throw error
        }
        // Reading the archive and inflating the entry block: not on the cooperative pool.
        return try await offCooperativePool {
            defer { try? FileManager.default.removeItem(atPath: local) }
            return try ArchiveEntryReader.read(entry: entry, fromArchive: local)
        }
    }
}
