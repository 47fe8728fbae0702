// SPDX-License-Identifier: AGPL-3.0-or-later
// What one libcurl request sends, and what it did.

internal import CCurl

/// One FTPS request: a path, what moves over the data connection, and quoted commands.
///
/// Exists so every operation (list, upload, delete…) is described as data and performed by the
/// one function that touches a libcurl handle (`CurlEasy.perform`).
struct TransferRequest {
    /// Where bytes come from for `STOR`.
    enum UploadSource {
        case file(descriptor: Int32, path: String)
        case bytes([UInt8])
    }

    /// What the data connection carries.
    enum Body {
        /// No data transfer: log in, run the quoted commands, or ask for `SIZE`.
        case none
        /// No data transfer on a file URL: libcurl sends `SIZE` for it.
        case fileInfo
        /// `LIST` into memory.
        case listing
        /// `RETR` into an open file.
        case download(descriptor: Int32, path: String)
        /// `STOR` of `total` bytes.
        case upload(UploadSource, total: Int64)
    }

    /// Absolute remote path; a directory for `.listing` and `.none`, a file otherwise.
    var path: String
    var body: Body
    /// Raw FTP commands sent after login, before any transfer (`DELE /a b.3mf`).
    var quote: [String] = []
    var createMissingDirectories = false
    var progress: (@Sendable (Int64, Int64) -> Void)?
    /// Polled during the transfer; `nil` for clean-up requests that must run even when cancelled.
    var cancellation: CancellationFlag?
    /// A cap on the whole request, for clean-up requests; 0 means none (uploads can take minutes).
    var totalTimeoutSeconds = 0
}

/// What one request did: libcurl's and the server's codes, plus what the callbacks collected.
struct TransferOutcome {
    var code: CURLcode
    /// The last FTP reply code (`CURLINFO_RESPONSE_CODE`), 0 when none.
    var responseCode = 0
    /// The server's last reply lines, e.g. `550 No such file or directory.`.
    var replies: [String] = []
    /// libcurl's error text for `code`.
    var detail = ""
    /// Why our certificate check refused the server, empty when it did not.
    var tlsFailure = ""
    var fingerprint: String?
    var listing: [UInt8] = []
    var uploaded: Int64 = 0
    /// The last `sent` value given to the progress closure.
    var progressReported: Int64 = 0
    /// `SIZE` of the remote file, -1 when unknown.
    var contentLength: Int64 = -1
    var localFailure: String?
    var cancelled = false
    /// The server accepted `STOR`/`RETR` (a 1xx reply), so a remote file may have been touched.
    var dataTransferStarted = false

    var succeeded: Bool { code == CURLE_OK }
}
