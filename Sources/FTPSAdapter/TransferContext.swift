// SPDX-License-Identifier: AGPL-3.0-or-later
// State libcurl's callbacks read and write during one request.

#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL

/// Everything one request's callbacks touch, passed to libcurl as an unretained pointer.
///
/// Exists so the callbacks (style rule 4) only copy bytes in or out and return: each one runs on
/// the transfer thread inside `curl_easy_perform`, the same thread that reads these fields
/// afterwards, so nothing here needs a lock. `CurlEasy` keeps the context alive until after
/// `curl_easy_cleanup`. The TLS policy lives here too because libcurl creates the `SSL_CTX`.
final class TransferContext {
    let policy: UnsafeMutablePointer<copenssl_peer_policy>
    let caFile: UnsafeMutablePointer<CChar>?
    let errorBuffer: UnsafeMutablePointer<CChar>
    private let progress: (@Sendable (Int64, Int64) -> Void)?
    private let cancellation: CancellationFlag?
    private var source: TransferRequest.UploadSource?
    private var sourceOffset = 0
    private var downloadDescriptor: Int32 = -1
    private var downloadPath = ""
    /// Body-less requests still get libcurl's made-up headers (`Content-Length: …`) as data.
    private let discardsData: Bool
    private let total: Int64
    private let reportStep: Int64

    private(set) var replies: [String] = []
    private(set) var listing: [UInt8] = []
    private(set) var uploaded: Int64 = 0
    /// The last `sent` value given to the progress closure.
    private(set) var lastReported: Int64 = 0
    private(set) var localFailure: String?
    private(set) var cancelled = false
    private(set) var dataTransferStarted = false

    init(security: FTPSTransportSecurity, expectedPin: String?, request: TransferRequest, errorBufferSize: Int) {
        policy = .allocate(capacity: 1)
        policy.initialize(to: copenssl_peer_policy())
        var caPath: String?
        switch security {
        case .insecure:
            policy.pointee.mode = Int32(COPENSSL_MODE_INSECURE)
        case .pinned(let name, _):
            policy.pointee.mode = Int32(COPENSSL_MODE_PINNED)
            copyCString(name, into: &policy.pointee.expected_name)
            if let expectedPin { copyCString(expectedPin.lowercased(), into: &policy.pointee.expected_pin) }
        case .ca(let file, let name):
            policy.pointee.mode = Int32(COPENSSL_MODE_CA)
            copyCString(name, into: &policy.pointee.expected_name)
            caPath = file
        }
        caFile = caPath.flatMap { strdup($0) }
        errorBuffer = .allocate(capacity: errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: errorBufferSize)
        progress = request.progress
        cancellation = request.cancellation
        switch request.body {
        case .upload(let upload, let size):
            source = upload
            total = size
            discardsData = true
        case .download(let descriptor, let path):
            downloadDescriptor = descriptor
            downloadPath = path
            total = 0
            discardsData = false
        case .listing:
            total = 0
            discardsData = false
        case .none, .fileInfo:
            total = 0
            discardsData = true
        }
        reportStep = max(64 * 1024, total / 200)
    }

    deinit {
        policy.deinitialize(count: 1)
        policy.deallocate()
        errorBuffer.deallocate()
        free(caFile)
    }

    var tlsFailure: String { cString(from: &policy.pointee.failure) }

    var fingerprint: String? {
        let pin = cString(from: &policy.pointee.seen_pin)
        return pin.isEmpty ? nil : pin
    }

    var errorText: String {
        String(cString: errorBuffer)
    }

    // MARK: - Callbacks (transfer thread, inside curl_easy_perform)

    /// A reply line from the server (libcurl hands FTP replies to the header callback).
    func received(replyLine bytes: UnsafeRawBufferPointer) {
        var text = String(decoding: bytes, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard text.count >= 3, text.prefix(3).allSatisfy(\.isNumber) else { return }
        if text.hasPrefix("1") { dataTransferStarted = true }
        replies.append(text)
        if replies.count > 12 { replies.removeFirst() }
    }

    /// Data from the data connection. Returns how many bytes were taken; fewer aborts the transfer.
    func received(data bytes: UnsafeRawBufferPointer) -> Int {
        if discardsData { return bytes.count }
        guard downloadDescriptor >= 0 else {
            listing.append(contentsOf: bytes)
            return bytes.count
        }
        var offset = 0
        while offset < bytes.count {
            let written = write(downloadDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                localFailure = "cannot write \(downloadPath): \(String(cString: strerror(errno)))"
                return 0
            }
            offset += written
        }
        return bytes.count
    }

    /// Fills `buffer` with upload data; 0 at the end, `nil` to abort.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if cancellation?.isCancelled == true {
            cancelled = true
            return nil
        }
        switch source {
        case .file(let descriptor, let path):
            while true {
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                if count >= 0 { return count }
                if errno == EINTR { continue }
                localFailure = "cannot read \(path): \(String(cString: strerror(errno)))"
                return nil
            }
        case .bytes(let bytes):
            let count = min(buffer.count, bytes.count - sourceOffset)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { all in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[sourceOffset..<sourceOffset + count]))
            }
            sourceOffset += count
            return count
        case nil:
            return 0
        }
    }

    /// Progress from libcurl; returns false to abort (the caller's task was cancelled).
    func progressed(uploaded now: Int64) -> Bool {
        if cancellation?.isCancelled == true {
            cancelled = true
            return false
        }
        uploaded = max(uploaded, now)
        if let progress, total > 0, now > lastReported, now - lastReported >= reportStep || now == total {
            lastReported = now
            progress(now, total)
        }
        return true
    }
}

/// Copies a string into a fixed-size C character array, NUL-terminated and truncated.
func copyCString<T>(_ text: String, into field: inout T) {
    withUnsafeMutableBytes(of: &field) { buffer in
        let bytes = Array(text.utf8.prefix(buffer.count - 1))
        buffer.copyBytes(from: bytes + [0])
    }
}

/// Reads a NUL-terminated fixed-size C character array.
func cString<T>(from field: inout T) -> String {
    withUnsafeBytes(of: &field) { buffer in
        String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}
