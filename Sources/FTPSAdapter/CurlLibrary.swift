// SPDX-License-Identifier: AGPL-3.0-or-later
// Process-wide libcurl set-up and its version.

internal import CCurl

/// libcurl as a whole: `curl_global_init` once per process, before any transfer.
///
/// Exists because libcurl's global init is not thread-safe and must precede every easy handle.
package enum CurlLibrary {
    /// Swift runs a static `let` initializer exactly once, thread-safely.
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Calls `curl_global_init(CURL_GLOBAL_DEFAULT)` the first time only; the executable calls this
    /// in `main`, and every transfer calls it again in case it did not.
    package static func initialize() {
        _ = initialized
    }

    /// The linked library's version and TLS backend, e.g. `7.88.1 (OpenSSL/3.0.17)`.
    package static var version: String {
        guard let info = ccurl_version_info() else { return "unknown" }
        let version = info.pointee.version.map { String(cString: $0) } ?? "unknown"
        let tls = info.pointee.ssl_version.map { String(cString: $0) } ?? "no TLS"
        return "\(version) (\(tls))"
    }
}
