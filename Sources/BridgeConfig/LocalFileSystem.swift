// SPDX-License-Identifier: AGPL-3.0-or-later
// The real file system behind ConfigFileSystem, through the C library.

import Glibc

/// Reads configuration files and secrets from the local disk.
///
/// Exists because the loader needs the permission bits together with the contents (to refuse an access
/// code that group or others can read), which `open` + `fstat` on one descriptor give without a race.
package struct LocalFileSystem: ConfigFileSystem {
    /// A file that could not be read; the description is the C library's reason, e.g. `No such file or directory`.
    package struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The path that failed.
        package var path: String
        /// Why it failed.
        package var reason: String
        /// The reason alone; callers add the path and what the file is for.
        package var description: String { reason }
    }

    /// Creates the real file system.
    package init() {}

    /// Reads the whole file at `path`, with its permission bits from the same open descriptor.
    package func read(_ path: String) throws -> (text: String, mode: UInt32) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadError(path: path, reason: Self.lastErrorReason()) }
        defer { _ = close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ReadError(path: path, reason: Self.lastErrorReason()) }
        let mode = UInt32(status.st_mode) & 0o7777

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw ReadError(path: path, reason: Self.lastErrorReason())
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(path: path, reason: "not valid UTF-8")
        }
        return (text, mode)
    }

    /// Whether `path` names an existing file (following symlinks).
    package func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    /// `strerror(errno)`, read right after the failing call.
    private static func lastErrorReason() -> String {
        guard let message = strerror(errno) else { return "error \(errno)" }
        return String(cString: message)
    }
}
