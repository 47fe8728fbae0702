// SPDX-License-Identifier: AGPL-3.0-or-later
// The file access the loader needs: read a file with its permission bits, and test existence.

/// The file system as the configuration loader sees it.
///
/// Exists so validation of `access_code_file`, `ca_file` and file permissions runs against an
/// in-memory fake in tests, and against ``LocalFileSystem`` in the daemon.
package protocol ConfigFileSystem: Sendable {
    /// Reads the whole file at `path` as UTF-8.
    ///
    /// - Returns: The text and the file's permission bits (`st_mode & 0o7777`).
    /// - Throws: An error whose description says why the file cannot be read (never its contents).
    func read(_ path: String) throws -> (text: String, mode: UInt32)

    /// Whether something exists at `path`.
    func exists(_ path: String) -> Bool
}
