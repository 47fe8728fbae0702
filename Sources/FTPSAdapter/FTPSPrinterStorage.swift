// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer's storage port over FTPS: listings of / and /cache, uploads, deletes.

package import BridgeCore
import BridgeRuntime


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
}
