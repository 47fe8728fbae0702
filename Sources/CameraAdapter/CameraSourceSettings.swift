// SPDX-License-Identifier: AGPL-3.0-or-later
// What a camera source needs to know about one printer's camera, and the factory that picks the source.

package import BridgeRuntime

/// How a camera connection checks the printer's certificate (the same modes as MQTT and FTPS).
package enum CameraTransportSecurity: Sendable, Equatable {
    /// TLS without any certificate check.
    case insecure
    /// The leaf must name `expectedName`; its SHA-256 must equal `pin` once one is known
    /// (`nil`: the first certificate that names the serial is accepted and then held to).
    case pinned(expectedName: String, pin: String?)
    /// Verified against the PEM bundle `file`, and the leaf must name `expectedName`.
    case ca(file: String, expectedName: String)
}

/// The two camera protocols of Bambu printers (bambu-lan.md §7).
package enum CameraProtocol: String, Sendable, Equatable {
    /// RTSP over TLS (port 322), H.264 decoded and re-encoded as JPEG here.
    case rtsps
    /// Framed JPEGs over TLS (port 6000), passed through.
    case jpegStream = "jpeg"
}

/// Everything one printer's camera source needs.
///
/// Exists so the composition root maps a printer's configuration once and the sources never see
/// configuration types; tests build it directly against the simulator's cameras.
package struct CameraSourceSettings: Sendable, Equatable {
    /// RTSPS port of X1/H2/P2 printers (bambu-lan.md §7.1).
    package static let defaultRTSPSPort = 322
    /// JPEG-stream port of P1/A1 printers (bambu-lan.md §7.2).
    package static let defaultJPEGStreamPort = 6000

    package var host: String
    package var port: Int
    package var serial: String
    /// The LAN access code (user `bblp`).
    package var accessCode: String
    package var security: CameraTransportSecurity
    package var kind: CameraProtocol
    /// JPEG quality 1–100 for frames this bridge encodes (RTSPS only; port-6000 frames pass through).
    package var quality: Int
    /// At most this many frames per second are delivered; frames above it are dropped before encoding.
    package var maxFramesPerSecond: Double
    /// A connection that delivers no data for this long is closed and retried.
    package var readTimeout: Duration
    /// First reconnect delay; doubles after each failure up to ``maximumBackoff``.
    package var initialBackoff: Duration
    package var maximumBackoff: Duration

    package init(
        host: String, port: Int, serial: String, accessCode: String, security: CameraTransportSecurity,
        kind: CameraProtocol, quality: Int = 80, maxFramesPerSecond: Double = 15, readTimeout: Duration = .seconds(10),
        initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.serial = serial
        self.accessCode = accessCode
        self.security = security
        self.kind = kind
        self.quality = min(100, max(1, quality))
        self.maxFramesPerSecond = maxFramesPerSecond
        self.readTimeout = readTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }
}

/// Builds the camera source for a printer's protocol.
package enum CameraSources {
    /// `pinLearned` runs (on the camera thread) when pinned mode without a stored pin accepted a
    /// certificate: the caller stores its fingerprint where MQTT and FTPS keep theirs.
    package static func make(
        _ settings: CameraSourceSettings, pinLearned: @escaping @Sendable (String) -> Void = { _ in }
    ) -> any CameraSource {
        switch settings.kind {
        case .rtsps: RTSPCameraSource(settings: settings, pinLearned: pinLearned)
        case .jpegStream: JPEGStreamCameraSource(settings: settings, pinLearned: pinLearned)
        }
    }
}
