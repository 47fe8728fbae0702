// SPDX-License-Identifier: AGPL-3.0-or-later
// Which resource a request line names, and whether its token is right.

/// A resource of the local HTTP endpoint.
///
/// Exists so routing and the token check are plain functions of the request line and headers,
/// tested without a socket.
enum HTTPRoute: Equatable {
    /// `GET /status`: every printer's state as JSON.
    case status
    /// `GET /<printer>/stream`: MJPEG.
    case stream(printer: String)
    /// `GET /<printer>/snapshot`: one JPEG.
    case snapshot(printer: String)
    /// A path the endpoint does not serve (404).
    case notFound
    /// A served path asked with another method than GET (405).
    case methodNotAllowed

    /// Routes `method` and the request target (path with an optional query).
    init(method: String, uri: String) {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { Self.percentDecoded(String($0)) }
        let resource: HTTPRoute
        switch segments.count {
        case 1 where segments[0] == "status": resource = .status
        case 2 where segments[1] == "stream" && !segments[0].isEmpty: resource = .stream(printer: segments[0])
        case 2 where segments[1] == "snapshot" && !segments[0].isEmpty: resource = .snapshot(printer: segments[0])
        default: resource = .notFound
        }
        if resource != .notFound, method != "GET" {
            self = .methodNotAllowed
        } else {
            self = resource
        }
    }

    /// The value of `name` in the request target's query, percent-decoded.
    static func queryValue(_ name: String, in uri: String) -> String? {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        for pair in parts[1].split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if keyValue.first.map(String.init) == name {
                return keyValue.count == 2 ? percentDecoded(String(keyValue[1].replacingPlus())) : ""
            }
        }
        return nil
    }

    /// Whether the request carries the token: `Authorization: Bearer <token>` or `?token=<token>`.
    /// Compared in constant time so response timing does not reveal a prefix.
    static func isAuthorized(token: String, authorization: [String], uri: String) -> Bool {
        var candidates = authorization.compactMap { value -> String? in
            let trimmed = value.trimmingSpaces
            guard trimmed.lowercased().hasPrefix("bearer ") else { return nil }
            return String(trimmed.dropFirst("bearer ".count)).trimmingSpaces
        }
        if let query = queryValue("token", in: uri) { candidates.append(query) }
        return candidates.contains { constantTimeEqual($0, token) }
    }

    private static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    /// `%41` → `A`; malformed escapes are kept as written.
    static func percentDecoded(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func replacingPlus() -> String { String(map { $0 == "+" ? " " : $0 }) }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
