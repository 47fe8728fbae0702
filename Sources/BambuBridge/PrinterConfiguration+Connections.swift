// SPDX-License-Identifier: AGPL-3.0-or-later
// One place that turns a printer's configuration into MQTT, FTPS and camera connection settings.

import BambuModel
import BridgeConfig
import BridgeRuntime
import CameraAdapter
import FTPSAdapter
import MQTTAdapter

extension PrinterConfiguration {
    /// The MQTT trust mode for this printer: the certificate must name the serial; `pinned` also
    /// checks the stored fingerprint (none stored yet: trust on first use).
    func mqttSecurity(pins: CertificatePinStore) -> MQTTTransportSecurity {
        trust(pins, pinned: { .pinned(expectedName: $0, pin: $1) }, ca: { .ca(file: $0, expectedName: $1) }, insecure: .insecure)
    }

    /// The printer's trust mode in one adapter's own terms: each adapter has its own security type
    /// (no adapter depends on another), and this is the one place that fills them in.
    private func trust<Security>(
        _ pins: CertificatePinStore, pinned: (_ name: String, _ pin: String?) -> Security,
        ca: (_ file: String, _ name: String) -> Security, insecure: Security
    ) -> Security {
        switch tls {
        case .pinned: pinned(serial, pins.pin(forSerial: serial))
        case .ca(let file): ca(file, serial)
        case .insecure: insecure
        }
    }

    /// The FTPS endpoint, with the same trust mode as MQTT.
    func ftpsEndpoint(pins: CertificatePinStore) -> FTPSEndpoint {
        let security: FTPSTransportSecurity = trust(
            pins, pinned: { .pinned(expectedName: $0, pin: $1) }, ca: { .ca(file: $0, expectedName: $1) }, insecure: .insecure)
        return FTPSEndpoint(host: host, port: ftpsPort, username: "bblp", password: accessCode.value, security: security)
    }

    /// The camera source settings, with the same trust mode as MQTT; the protocol and the default
    /// port follow the model (bambu-lan.md §7), `camera_port` overrides the port.
    func cameraSettings(pins: CertificatePinStore, quality: Int = 80, maxFramesPerSecond: Double = 15) -> CameraSourceSettings {
        let security: CameraTransportSecurity = trust(
            pins, pinned: { .pinned(expectedName: $0, pin: $1) }, ca: { .ca(file: $0, expectedName: $1) }, insecure: .insecure)
        let kind: CameraProtocol = model.capabilities.camera == .rtsps ? .rtsps : .jpegStream
        let standardPort = kind == .rtsps ? CameraSourceSettings.defaultRTSPSPort : CameraSourceSettings.defaultJPEGStreamPort
        return CameraSourceSettings(
            host: host, port: cameraPort ?? standardPort, serial: serial, accessCode: accessCode.value, security: security,
            kind: kind, quality: quality, maxFramesPerSecond: maxFramesPerSecond)
    }

    /// What the MQTT printer link needs.
    func linkSettings(pins: CertificatePinStore) -> PrinterLinkSettings {
        PrinterLinkSettings(
            host: host, port: mqttPort, serial: serial, accessCode: accessCode.value, security: mqttSecurity(pins: pins))
    }
}
