// SPDX-License-Identifier: AGPL-3.0-or-later
// Turns libcurl's result and the printer's FTP reply into an FTPSError, in one place.

internal import CCurl
import Foundation

extension FTPSError {
    /// The error for a failed request (style rule 5: C codes become Swift errors at one boundary).
    ///
    /// Order matters: our own verdicts (cancelled, local file, certificate) first, then the FTP reply
    /// code the printer sent, then libcurl's code. The access code is redacted from the text.
    init(_ outcome: TransferOutcome, during operation: FTPSOperation, endpoint: FTPSEndpoint) {
        let (kind, message) = Self.classify(outcome, operation, authority: endpoint.authority)
        self.init(kind, Self.redact(message, secret: endpoint.password))
    }

    private static func classify(
        _ outcome: TransferOutcome, _ operation: FTPSOperation, authority: String
    ) -> (Kind, String) {
        let code = outcome.code
        let reply = outcome.responseCode
        // "550 No such file or directory." when the last reply line carries the last reply code.
        let lastReply = outcome.replies.last.flatMap { $0.hasPrefix(String(reply)) ? $0 : nil } ?? String(reply)
        if outcome.cancelled { return (.cancelled, "cancelled the \(operation.summary)") }
        if let failure = outcome.localFailure { return (.localFile, failure) }
        if !outcome.tlsFailure.isEmpty { return (.tls, "TLS: \(outcome.tlsFailure)") }

        switch reply {
        case 530:
            return (.authentication, "the printer refused the access code (FTP 530)")
        case 552, 452:
            return (.storageFull, "the printer's storage is full (FTP \(reply))")
        case 522:
            return (.tls, "the printer refused the TLS data connection (FTP \(lastReply))")
        case 421:
            return (.unreachable, "the printer at \(authority) closed the connection (FTP \(lastReply))")
        case 425:
            return (
                .protocolError,
                "the printer could not open a data connection (FTP \(lastReply)); is another transfer running?"
            )
        default:
            break
        }

        switch code {
        case CURLE_LOGIN_DENIED:
            return (.authentication, "the printer refused the access code (FTP \(reply == 0 ? 530 : reply))")
        case CURLE_REMOTE_DISK_FULL:
            return (.storageFull, "the printer's storage is full (FTP \(reply == 0 ? 552 : reply))")
        case CURLE_COULDNT_RESOLVE_HOST:
            return (.unreachable, "cannot reach \(authority): unknown host")
        case CURLE_COULDNT_CONNECT:
            return (.unreachable, "cannot reach \(authority) (\(outcome.detail))")
        case CURLE_OPERATION_TIMEDOUT, CURLE_FTP_ACCEPT_TIMEOUT:
            return (.timeout, "the printer at \(authority) stopped answering during the \(operation.summary)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return (.tls, "TLS: the handshake with \(authority) failed (\(outcome.detail))")
        case CURLE_REMOTE_FILE_NOT_FOUND:
            return (.notFound, "no such file \(operation.path)")
        case CURLE_REMOTE_ACCESS_DENIED, CURLE_FTP_COULDNT_RETR_FILE:
            // CWD into a missing directory, or RETR of a missing file.
            if reply == 550 {
                if case .list(let path) = operation { return (.notFound, "no such directory \(path)") }
                return (.notFound, "no such file \(operation.path)")
            }
            return (.protocolError, "the printer refused the \(operation.summary) (FTP \(lastReply))")
        case CURLE_QUOTE_ERROR:
            return quoteFailure(outcome, operation, lastReply: lastReply)
        case CURLE_UPLOAD_FAILED:
            return (.protocolError, "the printer refused the \(operation.summary) (FTP \(lastReply))")
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            let lost = "lost the connection to \(authority) during the \(operation.summary)"
            return (.unreachable, "\(lost) (\(outcome.detail))")
        case CURLE_ABORTED_BY_CALLBACK:
            return (.protocolError, "the \(operation.summary) was aborted (\(outcome.detail))")
        default:
            let server = reply == 0 ? "" : "; FTP \(lastReply)"
            return (.protocolError, "the \(operation.summary) failed: \(outcome.detail)\(server)")
        }
    }

    /// A rejected `DELE`, `MKD` or `RNFR`/`RNTO`.
    private static func quoteFailure(
        _ outcome: TransferOutcome, _ operation: FTPSOperation, lastReply: String
    ) -> (Kind, String) {
        let reply = outcome.responseCode
        switch operation {
        case .delete(let path) where reply == 550:
            return (.notFound, "no such file \(path)")
        case .rename(let from, let to) where reply == 550:
            // RNFR answers 350 when the source exists; a 550 after that is about the target.
            let sourceAccepted = outcome.replies.contains { $0.hasPrefix("350") }
            if !sourceAccepted { return (.notFound, "no such file \(from)") }
            return (.protocolError, "the printer refused to rename \(from) to \(to) (FTP \(lastReply))")
        case .makeDirectory(let path):
            return (.protocolError, "the printer refused to create \(path) (FTP \(lastReply))")
        default:
            return (.protocolError, "the printer refused the \(operation.summary) (FTP \(lastReply))")
        }
    }

    /// `text` without `secret` (access codes are at least 8 characters; shorter strings are too
    /// likely to match ordinary words to be replaced).
    static func redact(_ text: String, secret: String) -> String {
        guard secret.count >= 4 else { return text }
        return text.replacingOccurrences(of: secret, with: "<redacted>")
    }
}
