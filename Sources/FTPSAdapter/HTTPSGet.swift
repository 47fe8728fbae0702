// SPDX-License-Identifier: AGPL-3.0-or-later
// A one-shot HTTP(S) GET through the adapter's libcurl handle, for the vendor's public endpoints.

internal import CCurl

/// Downloads a small public resource (the HMS text table) into memory.
///
/// Exists because libcurl is wrapped once, in this adapter: `hms-update` needs one HTTPS GET and
/// must not bring a second HTTP client. The request runs on a thread of its own (it blocks in
/// `curl_easy_perform`), never on Swift's cooperative pool.
package enum HTTPSGet {
    /// Fetches `url` and returns the body of a `200` answer.
    /// - Throws: `HTTPSGetError` for a network failure or any other status.
    package static func fetch(_ url: String, timeoutSeconds: Int = 120) async throws(HTTPSGetError) -> [UInt8] {
        let queue = TransferQueue(name: "https-get")
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], HTTPSGetError>, Never>) in
            queue.submit(
                TransferQueue.Job {
                    let outcome = CurlEasy.performGet(url: url, totalTimeoutSeconds: timeoutSeconds)
                    if !outcome.succeeded {
                        continuation.resume(returning: .failure(HTTPSGetError(url: url, status: nil, detail: outcome.detail)))
                    } else if outcome.responseCode != 200 {
                        continuation.resume(
                            returning: .failure(
                                HTTPSGetError(url: url, status: outcome.responseCode, detail: "HTTP status \(outcome.responseCode)")))
                    } else {
                        continuation.resume(returning: .success(outcome.listing))
                    }
                })
        }
        return try result.get()
    }
}

/// Why a GET failed: no answer (`status` nil, libcurl's reason) or an answer other than 200.
package struct HTTPSGetError: Error, CustomStringConvertible {
    package var url: String
    package var status: Int?
    package var detail: String
    package var description: String { "\(url): \(detail)" }
}
