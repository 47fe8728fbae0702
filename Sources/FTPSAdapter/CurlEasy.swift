// SPDX-License-Identifier: AGPL-3.0-or-later
// One libcurl easy handle performing one FTPS request on the transfer thread.

internal import CCurl
internal import COpenSSL

/// Owns one `CURL *` for one request (style rule 3) and is the only code that configures one.
///
/// Exists so the libcurl settings every printer needs live in one place: implicit TLS
/// (`ftps://`, `CURLUSESSL_ALL`), TLS 1.2 only, passive mode without EPSV, the session of the
/// control connection resumed on the data connection (libcurl's session cache does that, and
/// printers demand it, bambu-lan.md §6.1), and our own certificate check through
/// `CURLOPT_SSL_CTX_FUNCTION` (the printer is reached by IP and names its serial, so libcurl's
/// own peer and host checks are off). Created, performed and freed on the transfer thread only.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    /// Kept alive until after `curl_easy_cleanup`: libcurl holds unretained pointers to it.
    private let context: TransferContext
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var optionFailure: (CURLcode, String)?

    /// Seconds; the connect budget, the stall detector and the wait for a reply such as the final 226
    /// (an H2D can take 30+ s to send it after a large upload, bambu-lan.md §6.1).
    enum Limits {
        static let connectSeconds = 10
        static let stallSeconds = 60
        static let stallBytesPerSecond = 1
        static let replySeconds = 120
    }

    private init(handle: UnsafeMutableRawPointer, context: TransferContext) {
        self.handle = handle
        self.context = context
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
    }

    /// Performs `request` against `endpoint` and reports what happened; never throws.
    static func perform(
        _ request: TransferRequest, endpoint: FTPSEndpoint, expectedPin: String?
    ) -> TransferOutcome {
        CurlLibrary.initialize()
        let context = TransferContext(
            security: endpoint.security, expectedPin: expectedPin, request: request,
            errorBufferSize: Int(CURL_ERROR_SIZE)
        )
        guard let raw = curl_easy_init() else {
            return TransferOutcome(code: CURLE_FAILED_INIT, detail: "cannot create a libcurl handle")
        }
        let easy = CurlEasy(handle: raw, context: context)
        easy.configure(request, endpoint: endpoint)
        if let (code, option) = easy.optionFailure {
            return TransferOutcome(code: code, detail: "libcurl refused \(option): \(describe(code))")
        }
        let code = curl_easy_perform(raw)
        return easy.outcome(code)
    }

    /// Performs one plain HTTP(S) GET of `url` into memory and reports what happened; never throws.
    ///
    /// For public web endpoints (the vendor's HMS texts), so none of the printer settings apply:
    /// libcurl's own certificate and host checks against the system's CA store stay on, redirects
    /// are followed, and a gzip or deflate answer is decompressed.
    static func performGet(url: String, totalTimeoutSeconds: Int) -> TransferOutcome {
        CurlLibrary.initialize()
        let context = TransferContext(
            security: .insecure, expectedPin: nil, request: TransferRequest(path: url, body: .listing),
            errorBufferSize: Int(CURL_ERROR_SIZE)
        )
        guard let raw = curl_easy_init() else {
            return TransferOutcome(code: CURLE_FAILED_INIT, detail: "cannot create a libcurl handle")
        }
        let easy = CurlEasy(handle: raw, context: context)
        easy.configureGet(url: url, totalTimeoutSeconds: totalTimeoutSeconds)
        if let (code, option) = easy.optionFailure {
            return TransferOutcome(code: code, detail: "libcurl refused \(option): \(describe(code))")
        }
        let code = curl_easy_perform(raw)
        return easy.outcome(code)
    }

    private func configureGet(url: String, totalTimeoutSeconds: Int) {
        let userData = Unmanaged.passUnretained(context).toOpaque()
        check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, context.errorBuffer), "ERRORBUFFER")
        check(ccurl_setopt_string(handle, CURLOPT_URL, url), "URL")
        check(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "PROTOCOLS_STR")
        check(ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "REDIR_PROTOCOLS_STR")
        check(ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1), "FOLLOWLOCATION")
        check(ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, 5), "MAXREDIRS")
        check(ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""), "ACCEPT_ENCODING")
        check(ccurl_setopt_string(handle, CURLOPT_USERAGENT, "bambu-serial"), "USERAGENT")
        check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        check(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, Limits.connectSeconds), "CONNECTTIMEOUT")
        check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT, totalTimeoutSeconds), "TIMEOUT")
        check(ccurl_setopt_write_callback(handle, dataCallback), "WRITEFUNCTION")
        check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, userData), "WRITEDATA")
    }

    private func configure(_ request: TransferRequest, endpoint: FTPSEndpoint) {
        let directory: Bool
        switch request.body {
        case .none, .listing: directory = true
        case .fileInfo, .download, .upload: directory = false
        }
        let url = RemotePath.url(authority: endpoint.authority, path: request.path, directory: directory)
        let userData = Unmanaged.passUnretained(context).toOpaque()

        check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, context.errorBuffer), "ERRORBUFFER")
        check(ccurl_setopt_string(handle, CURLOPT_URL, url), "URL")
        check(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "ftps"), "PROTOCOLS_STR")
        // Credentials never go into the URL, so they cannot end up in a log or an error text.
        check(ccurl_setopt_string(handle, CURLOPT_USERNAME, endpoint.username), "USERNAME")
        check(ccurl_setopt_string(handle, CURLOPT_PASSWORD, endpoint.password), "PASSWORD")
        check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")

        // TLS: implicit, 1.2 only (1.3 breaks data-channel resumption on P2S/H2C/X2D, bambu-lan.md §6.1).
        check(ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)), "USE_SSL")
        check(ccurl_setopt_long(handle, CURLOPT_FTP_SSL_CCC, Int(CURLFTPSSL_CCC_NONE.rawValue)), "FTP_SSL_CCC")
        check(ccurl_setopt_tls12_only(handle), "SSLVERSION")
        check(ccurl_setopt_long(handle, CURLOPT_SSL_SESSIONID_CACHE, 1), "SSL_SESSIONID_CACHE")
        check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0), "SSL_VERIFYPEER")
        check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0), "SSL_VERIFYHOST")
        check(ccurl_setopt_ssl_ctx_callback(handle, sslContextCallback), "SSL_CTX_FUNCTION")
        check(ccurl_setopt_pointer(handle, CURLOPT_SSL_CTX_DATA, userData), "SSL_CTX_DATA")

        // FTP: passive with PASV (EPSV is not used by any peer), replies read by our header callback.
        check(ccurl_setopt_long(handle, CURLOPT_FTP_USE_EPSV, 0), "FTP_USE_EPSV")
        check(ccurl_setopt_header_callback(handle, replyCallback), "HEADERFUNCTION")
        check(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, userData), "HEADERDATA")

        // Time: connect budget, stall detection, and the wait for slow replies such as the 226.
        check(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, Limits.connectSeconds), "CONNECTTIMEOUT")
        check(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, Limits.stallBytesPerSecond), "LOW_SPEED_LIMIT")
        check(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, Limits.stallSeconds), "LOW_SPEED_TIME")
        check(ccurl_setopt_long(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, Limits.replySeconds), "RESPONSE_TIMEOUT")
        check(ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        if request.totalTimeoutSeconds > 0 {
            check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT, request.totalTimeoutSeconds), "TIMEOUT")
        }

        // Progress doubles as the cancellation check.
        check(ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0), "NOPROGRESS")
        check(ccurl_setopt_xferinfo_callback(handle, progressCallback), "XFERINFOFUNCTION")
        check(ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, userData), "XFERINFODATA")

        if !request.quote.isEmpty {
            var list: UnsafeMutablePointer<curl_slist>?
            for command in request.quote {
                guard let appended = curl_slist_append(list, command) else { break }
                list = appended
            }
            if let list {
                lists.append(list)
                check(ccurl_setopt_slist(handle, CURLOPT_QUOTE, list), "QUOTE")
            }
        }

        // Always our write callback: libcurl's default writes to standard output.
        check(ccurl_setopt_write_callback(handle, dataCallback), "WRITEFUNCTION")
        check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, userData), "WRITEDATA")
        switch request.body {
        case .none, .fileInfo:
            check(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1), "NOBODY")
        case .listing, .download:
            break
        case .upload(_, let total):
            check(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), "UPLOAD")
            check(ccurl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(total)), "INFILESIZE_LARGE")
            check(ccurl_setopt_read_callback(handle, uploadCallback), "READFUNCTION")
            check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, userData), "READDATA")
            if request.createMissingDirectories {
                let create = Int(CURLFTP_CREATE_DIR.rawValue)
                check(ccurl_setopt_long(handle, CURLOPT_FTP_CREATE_MISSING_DIRS, create), "FTP_CREATE_MISSING_DIRS")
            }
        }
    }

    private func check(_ code: CURLcode, _ option: String) {
        guard code != CURLE_OK, optionFailure == nil else { return }
        optionFailure = (code, "CURLOPT_\(option)")
    }

    private func outcome(_ code: CURLcode) -> TransferOutcome {
        var responseCode = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        var contentLength: curl_off_t = -1
        _ = ccurl_getinfo_off_t(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &contentLength)
        let buffered = context.errorText
        return TransferOutcome(
            code: code,
            responseCode: responseCode,
            replies: context.replies,
            detail: buffered.isEmpty ? Self.describe(code) : buffered,
            tlsFailure: context.tlsFailure,
            fingerprint: context.fingerprint,
            listing: context.listing,
            uploaded: context.uploaded,
            progressReported: context.lastReported,
            contentLength: Int64(contentLength),
            localFailure: context.localFailure,
            cancelled: context.cancelled,
            dataTransferStarted: context.dataTransferStarted
        )
    }

    private static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}

// MARK: - Callbacks: copy, hand off, return (style rule 4). They capture nothing.

private func context(_ userData: UnsafeMutableRawPointer?) -> TransferContext? {
    userData.map { Unmanaged<TransferContext>.fromOpaque($0).takeUnretainedValue() }
}

/// libcurl created the `SSL_CTX` for a connection: TLS 1.2 only, our policy, our verify callback.
private let sslContextCallback: curl_ssl_ctx_callback = { _, sslContext, userData in
    guard let sslContext, let transfer = context(userData) else { return CURLE_SSL_CERTPROBLEM }
    let prepared = copenssl_prepare_context(OpaquePointer(sslContext), transfer.policy, transfer.caFile)
    return prepared == 1 ? CURLE_OK : CURLE_SSL_CACERT_BADFILE
}

/// One FTP reply line (libcurl passes FTP replies to the header callback).
private let replyCallback: curl_write_callback = { buffer, size, count, userData in
    let length = size * count
    guard let buffer, let transfer = context(userData) else { return length }
    transfer.received(replyLine: UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}

/// Listing or file data from the data connection.
private let dataCallback: curl_write_callback = { buffer, size, count, userData in
    let length = size * count
    guard let buffer, let transfer = context(userData) else { return 0 }
    return transfer.received(data: UnsafeRawBufferPointer(start: buffer, count: length))
}

/// Upload data for `STOR`.
private let uploadCallback: curl_read_callback = { buffer, size, count, userData in
    guard let buffer, let transfer = context(userData),
        let filled = transfer.fill(UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
    else { return ccurl_readfunc_abort() }
    return filled
}

/// Progress; a non-zero return aborts the transfer with `CURLE_ABORTED_BY_CALLBACK`.
private let progressCallback: curl_xferinfo_callback = { userData, _, _, _, uploadNow in
    guard let transfer = context(userData) else { return 0 }
    return transfer.progressed(uploaded: Int64(uploadNow)) ? 0 : 1
}
