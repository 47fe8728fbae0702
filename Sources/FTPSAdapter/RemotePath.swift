// SPDX-License-Identifier: AGPL-3.0-or-later
// Remote paths: validation, and their percent-encoded form inside an ftps:// URL.

/// Turns a printer path into what libcurl and the FTP commands need.
///
/// Exists because file names on printers often contain spaces ("Phone stand.gcode.3mf") and
/// libcurl takes the path from a URL, while quoted commands (`DELE`, `RNFR`) take it raw: a raw
/// path must never smuggle a CR/LF into the command stream.
enum RemotePath {
    /// `path` made absolute, with repeated slashes collapsed.
    /// - Throws: `.protocolError` when the path contains a control character.
    static func normalize(_ path: String) throws(FTPSError) -> String {
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw FTPSError(.protocolError, "invalid remote path \(path.debugDescription): control characters")
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let joined = "/" + parts.joined(separator: "/")
        return path.hasSuffix("/") && joined != "/" ? joined + "/" : joined
    }

    /// The directory part of an absolute path (`/cache/a.3mf` → `/cache`).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// `ftps://authority/<encoded path>`; a directory URL ends with `/` so libcurl lists it.
    static func url(authority: String, path: String, directory: Bool) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { encode($0) }
        var url = "ftps://\(authority)/" + segments.joined(separator: "/")
        if directory && !segments.isEmpty { url += "/" }
        return url
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (`;` would start `;type=`).
    static func encode(_ segment: Substring) -> String {
        var encoded = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return encoded
    }
}
