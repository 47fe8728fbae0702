// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer link over MQTT: one MQTTClient per printer, reports in, requests out.

package import BridgeCore
package import BridgeRuntime
package import Logging

/// What one printer connection needs.
package struct PrinterLinkSettings: Sendable {
    package var host: String
    package var port: Int
    package var serial: String
    package var accessCode: String
    package var security: MQTTTransportSecurity

    package init(host: String, port: Int, serial: String, accessCode: String, security: MQTTTransportSecurity) {
        self.host = host
        self.port = port
        self.serial = serial
        self.accessCode = accessCode
        self.security = security
    }
}

/// A `PrinterLink` to a real printer (or the simulator) over MQTT with TLS.
///
/// Exists to map the MQTT client's events to the session's link events: one connection per
/// printer (printers allow very few clients), user `bblp`, subscribe `device/<serial>/report`,
/// publish to `device/<serial>/request` (bambu-lan.md §1).
package final class MQTTPrinterLink: PrinterLink, Sendable {
    package let events: AsyncStream<PrinterLinkEvent>
    private let client: MQTTClient
    private let requestTopic: String
    private let pump: Task<Void, Never>
    private let logger: Logger

    /// Called after a successful TLS connection with the certificate's SHA-256, so pinned mode can store it.
    package typealias FingerprintObserver = @Sendable (String) -> Void

    /// - Parameter certificateChangedHint: appended to a "certificate changed" failure (which pin file to delete).
    package init(
        settings: PrinterLinkSettings, logger: Logger, certificateChangedHint: String = "",
        onFingerprint: FingerprintObserver? = nil
    ) throws {
        let suffix = String(settings.serial.suffix(6))
        let random = UInt32.random(in: 0...UInt32.max)
        let endpoint = MQTTEndpoint(
            host: settings.host, port: settings.port, username: "bblp", password: settings.accessCode,
            clientID: "bambu-serial-\(suffix)-\(String(random, radix: 16))", security: settings.security,
            subscriptions: ["device/\(settings.serial)/report"])
        let client = try MQTTClient(endpoint: endpoint, logger: logger)
        self.client = client
        self.logger = logger
        requestTopic = "device/\(settings.serial)/request"
        let reportTopic = "device/\(settings.serial)/report"
        let (events, continuation) = AsyncStream<PrinterLinkEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        self.events = events
        pump = Task {
            for await event in client.events {
                switch event {
                case .connecting:
                    continuation.yield(.connecting)
                case .connected(let fingerprint):
                    if let fingerprint { onFingerprint?(fingerprint) }
                    continuation.yield(.up)
                case .disconnected(let failure, _):
                    let reason = failure.kind == .certificateChanged ? failure.message + certificateChangedHint : failure.message
                    continuation.yield(.down(reason: reason, permanent: failure.isPermanent))
                case .message(let topic, let payload):
                    if topic == reportTopic { continuation.yield(.message(payload)) }
                }
            }
            continuation.finish()
        }
        client.start()
    }

    package func publish(_ request: OutgoingRequest) {
        if !client.publish(topic: requestTopic, payload: Array(request.payload.utf8), qos: request.qualityOfService) {
            logger.notice("request not published: printer link down", metadata: ["mqtt.sequence_id": "\(request.sequenceID)"])
        }
    }

    /// Retries at once instead of waiting for the backoff (configuration reload).
    package func reconnectNow() { client.reconnectNow() }

    /// Disconnects and stops the network thread.
    package func close() async {
        await client.stop()
        await pump.value
    }
}
