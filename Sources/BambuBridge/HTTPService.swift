// SPDX-License-Identifier: AGPL-3.0-or-later
// The daemon's local HTTP endpoint: started with the printers, rebound when `[http]` changes.

import BridgeConfig
import BridgeRuntime
import HTTPAdapter
import Logging

/// Owns the running HTTP endpoint of `bambu-serial run`.
///
/// Exists so a camera or HTTP failure stays away from the printers: when the address cannot be
/// bound the error is logged and the printers keep running; a SIGHUP with a changed `[http]`
/// table closes the old listener and binds the new one.
actor HTTPService {
    private let hub: CameraHub
    private let supervisor: PrinterSupervisor
    private let logger: Logger
    private var endpoint: HTTPEndpoint?

    init(hub: CameraHub, supervisor: PrinterSupervisor, logger: Logger) {
        self.hub = hub
        self.supervisor = supervisor
        self.logger = logger
    }

    /// Binds `settings.listen`; logs and carries on when it cannot.
    func start(_ settings: HTTPSettings) async {
        let supervisor = supervisor
        do {
            let endpoint = try await HTTPEndpoint.start(
                settings: settings, hub: hub, statuses: { supervisor.statuses }, logger: logger)
            self.endpoint = endpoint
            logger.info(
                "http endpoint listening",
                metadata: ["http.listen": "\(endpoint.address)", "http.token": "\(settings.token == nil ? "none" : "required")"])
        } catch {
            logger.error(
                "http endpoint not started (camera streams and /status unavailable); the printers keep running",
                metadata: ["http.listen": "\(settings.listen)", "error": "\(error)"])
        }
    }

    /// A reload: closes the listener and binds the new settings.
    func restart(_ settings: HTTPSettings) async {
        await stop()
        await start(settings)
    }

    /// Stops listening (the camera hub is closed by its owner).
    func stop() async {
        await endpoint?.stop()
        endpoint = nil
    }
}
