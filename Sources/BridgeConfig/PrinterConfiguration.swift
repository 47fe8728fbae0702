// SPDX-License-Identifier: AGPL-3.0-or-later
// One `[[printer]]` table: how to reach a printer and what to call its pty.

package import BambuModel

/// One printer the bridge exposes as `/dev/bambu/<name>`, from a `[[printer]]` table.
///
/// Exists so the runtime never sees raw TOML: every field is validated, the model is resolved (from
/// `model` or the serial prefix), and the access code is a ``Secret`` whichever way it was given.
package struct PrinterConfiguration: Sendable, Equatable {
    /// Default MQTT-over-TLS port of Bambu printers in LAN mode (bambu-lan.md §1.1).
    package static let defaultMQTTPort = 8883
    /// Default implicit-FTPS port of Bambu printers (bambu-lan.md §6.1).
    package static let defaultFTPSPort = 990

    /// Name of the pty symlink and of the printer in logs; usable as a file name.
    package var name: String
    /// Host name or IP address of the printer.
    package var host: String
    /// Serial number: the MQTT topic part and the certificate CN (bambu-lan.md §1.7).
    package var serial: String
    /// The LAN access code (MQTT password `bblp` login, FTPS password).
    package var accessCode: Secret
    /// MQTT port (1–65535).
    package var mqttPort: Int
    /// FTPS port (1–65535).
    package var ftpsPort: Int
    /// Camera port (1–65535) when `camera_port` is set; nil means the model's standard port
    /// (322 for RTSPS cameras, 6000 for the JPEG stream, bambu-lan.md §7).
    package var cameraPort: Int?
    /// The model: the `model` override if given, else detected from the serial prefix.
    package var model: PrinterModel
    /// Whether ``model`` came from the `model` key rather than the serial prefix.
    package var modelOverridden: Bool
    /// Whether an external chamber sensor/heater is fitted (`external_chamber`).
    package var externalChamber: Bool
    /// How the printer's TLS certificate is checked.
    package var tls: TLSMode
    /// Whether the bridge creates a pty and connects to this printer.
    package var enabled: Bool

    /// Builds a printer configuration from already validated values.
    package init(
        name: String,
        host: String,
        serial: String,
        accessCode: Secret,
        mqttPort: Int = PrinterConfiguration.defaultMQTTPort,
        ftpsPort: Int = PrinterConfiguration.defaultFTPSPort,
        model: PrinterModel,
        modelOverridden: Bool = false,
        externalChamber: Bool = false,
        tls: TLSMode = .pinned,
        enabled: Bool = true,
        cameraPort: Int? = nil
    ) {
        self.name = name
        self.host = host
        self.serial = serial
        self.accessCode = accessCode
        self.mqttPort = mqttPort
        self.ftpsPort = ftpsPort
        self.model = model
        self.modelOverridden = modelOverridden
        self.externalChamber = externalChamber
        self.tls = tls
        self.enabled = enabled
        self.cameraPort = cameraPort
    }
}

/// How the bridge verifies the printer's TLS certificate (bambu-lan.md §1.7).
///
/// Exists because the printer's chain does not pass system trust evaluation: Bambu's private PKI,
/// non-strict CA extensions and a CN that is the serial rather than the host.
package enum TLSMode: Sendable, Equatable {
    /// Trust on first use (the default): accept the first certificate that names the serial,
    /// remember its SHA-256 under `state_dir/tls/<serial>.sha256`, refuse a different one later.
    case pinned
    /// Anchor to the PEM bundle at `file` instead, still requiring CN == serial.
    case ca(file: String)
    /// No certificate verification at all, as most peers do; for debugging only.
    case insecure
}
