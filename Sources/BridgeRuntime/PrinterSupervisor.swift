// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs one session per configured printer; one printer failing never touches another.

import BambuModel
package import BridgeConfig
package import BridgeCore
package import Logging
import Synchronization

/// A host port the supervisor can close (removing its link).
package protocol ClosableHostPort: HostPort {
    func close() async
}

/// A printer link the supervisor can close (disconnecting it).
package protocol ClosablePrinterLink: PrinterLink {
    func close() async
}

/// How the supervisor makes the two sides of a slot; the executable passes the pty and MQTT
/// adapters, tests pass in-memory fakes.
package struct SlotFactories: Sendable {
    package var makePort: @Sendable (PrinterConfiguration, BridgeSettings, Logger) async throws -> any ClosableHostPort
    package var makeLink: @Sendable (PrinterConfiguration, BridgeSettings, Logger) throws -> any ClosablePrinterLink
    package var makeStorage: @Sendable (PrinterConfiguration, BridgeSettings, Logger) -> (any PrinterStorage)?

    package init(
        makePort: @escaping @Sendable (PrinterConfiguration, BridgeSettings, Logger) async throws -> any ClosableHostPort,
        makeLink: @escaping @Sendable (PrinterConfiguration, BridgeSettings, Logger) throws -> any ClosablePrinterLink,
        makeStorage: @escaping @Sendable (PrinterConfiguration, BridgeSettings, Logger) -> (any PrinterStorage)? = {
            _, _, _ in nil
        }
    ) {
        self.makePort = makePort
        self.makeLink = makeLink
        self.makeStorage = makeStorage
    }
}

/// What the supervisor tells systemd.
package protocol ServiceNotifier: Sendable {
    func notify(_ state: String)
}

/// Owns every printer slot.
///
/// Exists because printers come and go independently: each slot (pty + link + session) runs in
/// its own child task, a slot that fails to start or ends is restarted after a delay, and no
/// failure leaves its slot. `READY=1` is sent once every enabled printer's port exists (or
/// failed to), not when printers are online: an offline printer is a normal state.
package final class PrinterSupervisor: Sendable {
    private let configuration: BridgeConfiguration
    private let factories: SlotFactories
    private let logger: Logger
    private let notifier: any ServiceNotifier
    private let states = Mutex<[String: LinkState]>([:])
    private let heartbeats = Mutex<[String: ContinuousClock.Instant]>([:])
    private let pings = Mutex<[String: @Sendable () -> Void]>([:])

    package init(
        configuration: BridgeConfiguration, factories: SlotFactories, notifier: any ServiceNotifier, logger: Logger
    ) {
        self.configuration = configuration
        self.factories = factories
        self.notifier = notifier
        self.logger = logger
    }

    /// Runs until cancelled; then closes every slot (links removed, printers disconnected).
    package func run() async {
        let printers = configuration.printers.filter(\.enabled)
        let readiness = ReadinessCounter(expected: printers.count)
        if printers.isEmpty {
            notifier.notify("READY=1\nSTATUS=no printers configured")
        }
        await withTaskGroup(of: Void.self) { group in
            for printer in printers {
                group.addTask { [self] in
                    await runSlot(printer) {
                        if readiness.arrive() {
                            self.notifier.notify("READY=1\nSTATUS=\(self.statusText)")
                            self.logger.info("ports ready", metadata: ["printers": "\(printers.count)"])
                        }
                    }
                }
            }
        }
    }

    /// "3 printers, 2 connected".
    package var statusText: String {
        let snapshot = states.withLock { $0 }
        let total = configuration.printers.filter(\.enabled).count
        let connected = snapshot.values.filter { $0 == .connected }.count
        return "\(total) printer\(total == 1 ? "" : "s"), \(connected) connected"
    }

    /// The link state of every running slot, by printer name.
    package var linkStates: [String: LinkState] { states.withLock { $0 } }

    /// Pings every session loop and reports whether each answered within `window`.
    package func sessionsAlive(within window: Duration) -> Bool {
        for ping in pings.withLock({ Array($0.values) }) { ping() }
        let now = ContinuousClock.now
        let beats = heartbeats.withLock { $0 }
        let expected = pings.withLock { $0.count }
        return beats.count >= expected && beats.values.allSatisfy { now - $0 < window }
    }

    private func runSlot(_ printer: PrinterConfiguration, ready: @escaping @Sendable () -> Void) async {
        var slotLogger = logger
        slotLogger[metadataKey: "printer.name"] = "\(printer.name)"
        slotLogger[metadataKey: "printer.serial"] = "\(printer.serial)"
        var announced = false
        var attempt = 0
        while !Task.isCancelled {
            let port: any ClosableHostPort
            do {
                port = try await factories.makePort(printer, configuration.bridge, slotLogger)
            } catch {
                slotLogger.error("cannot create the serial port", metadata: ["error": "\(error)"])
                if !announced {
                    announced = true
                    ready()
                }
                attempt += 1
                try? await Task.sleep(for: .seconds(min(60, 5 * attempt)))
                continue
            }
            if !announced {
                announced = true
                ready()
            }
            let link: any ClosablePrinterLink
            do {
                link = try factories.makeLink(printer, configuration.bridge, slotLogger)
            } catch {
                slotLogger.error("cannot create the printer link", metadata: ["error": "\(error)"])
                await port.close()
                attempt += 1
                try? await Task.sleep(for: .seconds(min(60, 5 * attempt)))
                continue
            }
            let session = PrinterSession(
                configuration: SessionConfiguration(
                    printerName: printer.name, serial: printer.serial, model: printer.model,
                    unknownCodePolicy: configuration.bridge.unknownGCode == .reject ? .reject : .passthrough,
                    externalChamber: printer.externalChamber))
            let name = printer.name
            let driver = PrinterSessionDriver(
                session: session, port: port, link: link, logger: slotLogger,
                storage: factories.makeStorage(printer, configuration.bridge, slotLogger),
                spoolDirectory: configuration.bridge.stateDirectory + "/spool",
                observer: SessionObserver(
                    linkStateChanged: { [self] state in
                        states.withLock { $0[name] = state }
                        notifier.notify("STATUS=\(statusText)")
                    },
                    processedEvent: { [self] in heartbeats.withLock { $0[name] = ContinuousClock.now } },
                    registerPing: { [self] ping in pings.withLock { $0[name] = ping } }))
            states.withLock { $0[name] = .pending }
            await driver.run()
            pings.withLock { _ = $0.removeValue(forKey: name) }
            heartbeats.withLock { _ = $0.removeValue(forKey: name) }
            await link.close()
            await port.close()
            states.withLock { _ = $0.removeValue(forKey: name) }
            guard !Task.isCancelled else { break }
            slotLogger.error("printer session ended unexpectedly; restarting it")
            attempt += 1
            try? await Task.sleep(for: .seconds(min(60, 5 * attempt)))
        }
    }
}

/// Counts slots that finished starting.
private final class ReadinessCounter: Sendable {
    private let remaining: Mutex<Int>
    init(expected: Int) { remaining = Mutex(expected) }

    /// Records one slot; true for the last one.
    func arrive() -> Bool {
        remaining.withLock { count in
            count -= 1
            return count == 0
        }
    }
}
