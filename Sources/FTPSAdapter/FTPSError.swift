// SPDX-License-Identifier: AGPL-3.0-or-later
// The FTPS adapter's one error type.

/// Why a file operation on a printer failed, in words a user can act on.
///
/// Exists as the module's single error type (style rule 5): `kind` is the stable code callers
/// branch on (retry, tell the user, give up); `message` names the file, host or FTP reply but
/// never the access code.
package struct FTPSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable code. Raw values appear in logs and must not change.
    package enum Kind: String, Sendable, Equatable {
        /// The printer refused the access code (FTP 530).
        case authentication
        /// The handshake failed or the certificate is not the printer's.
        case tls
        /// The file or directory does not exist.
        case notFound
        /// The printer's storage is full (FTP 552/452).
        case storageFull
        /// The printer cannot be reached, or the connection was lost.
        case unreachable
        /// The printer stopped answering.
        case timeout
        /// The printer answered something we cannot use.
        case protocolError
        /// The caller's task was cancelled.
        case cancelled
        /// Reading or writing the local file failed.
        case localFile
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
