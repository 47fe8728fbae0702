// SPDX-License-Identifier: AGPL-3.0-or-later
// Where a printer's FTPS server is and how to trust it.

/// How the printer's certificate is checked on the FTPS control connection.
///
/// Exists because printers present a certificate naming their serial, from Bambu's private CA,
/// and are reached by IP address (bambu-lan.md §1.7), so the usual host name check cannot work.
/// The same three modes as `MQTTTransportSecurity`, minus plain: FTPS is always TLS.
package enum FTPSTransportSecurity: Sendable, Equatable {
    /// TLS without any certificate check; the fingerprint is still recorded.
    case insecure
    /// The leaf must name `expectedName`; its SHA-256 must equal `pin` once one is known.
    case pinned(expectedName: String, pin: String?)
    /// Verified against the CA certificates in `file`, and the leaf must name `expectedName`.
    case ca(file: String, expectedName: String)
}

/// One printer's FTPS server.
///
/// Exists to keep the access code next to the address it belongs to, out of URLs and logs:
/// the client hands it to libcurl as `CURLOPT_PASSWORD` only.
package struct FTPSEndpoint: Sendable {
    package var host: String
    /// Implicit FTPS: 990 on every printer (bambu-lan.md §6.1).
    package var port: Int
    /// Always `bblp` on a printer.
    package var username: String
    /// The printer's LAN access code.
    package var password: String
    package var security: FTPSTransportSecurity

    package init(
        host: String, port: Int = 990, username: String = "bblp", password: String, security: FTPSTransportSecurity
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.security = security
    }

    /// `host:port`, with brackets around an IPv6 address.
    var authority: String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(bracketed):\(port)"
    }
}
