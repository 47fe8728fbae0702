// SPDX-License-Identifier: AGPL-3.0-or-later
// M8160's runtime side: a camera frame written to a file under the state directory.

package import BridgeCore
import Foundation

/// Saves a printer's current camera picture and says where.
///
/// Exists so the session driver can carry out `CameraCommand.saveSnapshot` without knowing the
/// camera hub or the file system; tests pass a fake.
package protocol CameraSnapshotter: Sendable {
    /// Takes a picture of `printerName`'s camera and writes it to a file; never throws, the outcome says why not.
    func saveSnapshot(printerName: String) async -> SnapshotOutcome
}

/// Writes snapshots from the camera hub to `<directory>/<printer>-<UTC time>.jpg`.
package struct SnapshotWriter: CameraSnapshotter {
    package let hub: CameraHub
    /// Usually `<state_dir>/snapshots`; created on the first snapshot.
    package let directory: String

    package init(hub: CameraHub, directory: String) {
        self.hub = hub
        self.directory = directory
    }

    package func saveSnapshot(printerName: String) async -> SnapshotOutcome {
        let frame: CameraFrame
        do {
            frame = try await hub.snapshot(printerName)
        } catch {
            return .failed(reason: error.message)
        }
        let path = directory + "/" + printerName + "-" + Self.timestamp(Date()) + ".jpg"
        let directory = directory
        let jpeg = frame.jpeg
        // File I/O blocks: on its own thread, never on the cooperative pool.
        let error: String? = await onOwnThread {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data(jpeg).write(to: URL(fileURLWithPath: path), options: .atomic)
                return nil
            } catch {
                return "cannot write \(path): \(error.localizedDescription)"
            }
        }
        if let error { return .failed(reason: error) }
        return .saved(path: path)
    }

    /// `20250314T093015.123Z`: UTC, sortable, no characters a shell or a host would trip over.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter.string(from: date)
    }
}

/// Runs blocking work on a new thread and resumes with its result.
func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.name = "blocking-io"
        thread.start()
    }
}
