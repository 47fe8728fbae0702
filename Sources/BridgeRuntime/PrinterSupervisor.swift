// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs one session per configured printer; one printer failing never touches another.

import BambuModel
package import BridgeConfig
#if canImport(Glibc)
import Glibc
#endif
package import BridgeCore
package import Logging
import NIOConcurrencyHelpers

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
/// its own task, a slot that fails to start or ends is restarted after a delay, and no failure
/// leaves its slot. `READY=1` is sent once every enabled printer's port exists (or failed to), not
/// when printers are online: an offline printer is a normal state. A reload (SIGHUP) is diffed by
/// printer name, as ser2net does: unchanged printers keep their session and pty, printers whose
/// connection settings changed reconnect on the same pty, removed ones close, added ones start.
package final class PrinterSupervisor: Sendable {
    private let factories: SlotFactories
    private let logger: Logger
    private let notifier: any ServiceNotifier
    private let configuration: NIOLockedValueBox<BridgeConfiguration>
    private let slots = NIOLockedValueBox<[String: SlotHandle]>([:])
    private let states = NIOLockedValueBox<[String: SessionStatus]>([:])
    private let heartbeats = NIOLockedValueBox<[String: ContinuousClock.Instant]>([:])
    private let pings = NIOLockedValueBox<[String: @Sendable () -> Void]>([:])
    /// The camera hub `M8160` snapshots come from; nil leaves `M8160` answering that there is no camera.
    private let camera: CameraHub?
    /// Delivers events to each running session loop, by printer name.
    private let sinks = NIOLockedValueBox<[String: @Sendable (SessionEvent) -> Void]>([:])
    /// The HMS texts every session gets; read from the state directory at start and on reload.
    private let hmsTexts = NIOLockedValueBox<HMSTextTable?>(nil)

    /// One running slot.
    private struct SlotHandle: Sendable {
        var printer: PrinterConfiguration
        var task: Task<Void, Never>
        var connections: AsyncStream<PrinterConnection>.Continuation
        var current: CurrentLink
    }

    package init(
        configuration: BridgeConfiguration, factories: SlotFactories, notifier: any ServiceNotifier, logger: Logger,
        camera: CameraHub? = nil
    ) {
        self.camera = camera
        self.configuration = NIOLockedValueBox(configuration)
        self.factories = factories
        self.notifier = notifier
        self.logger = logger
    }

    /// The configuration in force.
    package var currentConfiguration: BridgeConfiguration { configuration.withLockedValue { $0 } }

    /// Runs until cancelled; then closes every slot (links removed, printers disconnected).
    package func run() async {
        let initial = currentConfiguration
        await loadHMSTexts(initial.bridge)
        let printers = initial.printers.filter(\.enabled)
        let readiness = ReadinessCounter(expected: printers.count)
        if printers.isEmpty { notifier.notify("READY=1\nSTATUS=no printers configured") }
        for printer in printers {
            startSlot(printer, bridge: initial.bridge) { [self] in
                if readiness.arrive() {
                    notifier.notify("READY=1\nSTATUS=\(statusText)")
                    logger.info("ports ready", metadata: ["printers": "\(printers.count)"])
                }
            }
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await stopAll()
    }

    /// Applies a new configuration (SIGHUP): returns what changed.
    @discardableResult
    package func reload(_ new: BridgeConfiguration) async -> ConfigurationChanges {
        let old = currentConfiguration
        var changes = new.differences(from: old)
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds)")
        configuration.withLockedValue { $0 = new }
        // Re-read on every reload: `hms-update` writes the file, SIGHUP makes it count.
        let texts = await loadHMSTexts(new.bridge)
        for sink in sinks.withLockedValue({ Array($0.values) }) { sink(.hmsTexts(texts)) }
        if changes.bridgeChanged {
            // Device directory, group, mode, policy and state directory apply to every port.
            changes = ConfigurationChanges(
                added: new.printers.map(\.name), removed: old.printers.map(\.name), changed: [], unchanged: [],
                bridgeChanged: true, httpChanged: changes.httpChanged)
        }
        for name in changes.removed { await stopSlot(name) }
        let byName = Dictionary(new.printers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in changes.changed {
            guard let printer = byName[name] else { continue }
            let old = old.printers.first { $0.name == name }
            let sessionSettingsChanged =
                old?.model != printer.model || old?.externalChamber != printer.externalChamber
                || old?.enabled != printer.enabled
            if sessionSettingsChanged || slots.withLockedValue({ $0[name] == nil }) {
                await stopSlot(name)
                if printer.enabled { startSlot(printer, bridge: new.bridge) {} }
            } else {
                await replaceConnection(of: printer, bridge: new.bridge)
            }
        }
        for name in changes.added {
            guard let printer = byName[name], printer.enabled else { continue }
            startSlot(printer, bridge: new.bridge) {}
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "printers.added": "\(changes.added)", "printers.removed": "\(changes.removed)",
                "printers.changed": "\(changes.changed)", "printers.unchanged": "\(changes.unchanged.count)",
            ])
        notifier.notify("READY=1\nSTATUS=\(statusText)")
        return changes
    }

    /// "3 printers, 2 connected".
    package var statusText: String {
        let snapshot = states.withLockedValue { $0 }
        let total = currentConfiguration.printers.filter(\.enabled).count
        let connected = snapshot.values.filter { $0.linkState == .connected }.count
        return "\(total) printer\(total == 1 ? "" : "s"), \(connected) connected"
    }

    /// The link state of every running slot, by printer name.
    package var linkStates: [String: LinkState] { states.withLockedValue { $0.mapValues(\.linkState) } }

    /// Every configured printer's status, in configuration order; disabled printers included.
    package var statuses: [PrinterStatus] {
        let running = states.withLockedValue { $0 }
        return currentConfiguration.printers.map { printer in
            PrinterStatus(
                enabled: printer.enabled, serial: printer.serial,
                session: running[printer.name]
                    ?? SessionStatus(name: printer.name, model: printer.model, linkState: .pending))
        }
    }

    /// Pings every session loop and reports whether each answered within `window`.
    package func sessionsAlive(within window: Duration) -> Bool {
        for ping in pings.withLockedValue({ Array($0.values) }) { ping() }
        let now = ContinuousClock.now
        let beats = heartbeats.withLockedValue { $0 }
        let expected = pings.withLockedValue { $0.count }
        return beats.count >= expected && beats.values.allSatisfy { now - $0 < window }
    }

    /// Reads `state_dir/hms-<lang>.json` (logging the outcome once) and keeps it for new sessions.
    @discardableResult
    private func loadHMSTexts(_ bridge: BridgeSettings) async -> HMSTextTable? {
        let logger = logger
        // A few megabytes read and parsed: not on the cooperative pool.
        let table = await offCooperativePool {
            HMSTextStore.load(stateDirectory: bridge.stateDirectory, language: bridge.hmsLanguage, logger: logger)
        }
        hmsTexts.withLockedValue { $0 = table }
        return table
    }

    // MARK: - Slots

    private func startSlot(_ printer: PrinterConfiguration, bridge: BridgeSettings, ready: @escaping @Sendable () -> Void) {
        let (connections, continuation) = AsyncStream<PrinterConnection>.makeStream()
        let current = CurrentLink()
        let task = Task { [self] in
            await runSlot(printer, bridge: bridge, connections: connections, current: current, ready: ready)
        }
        slots.withLockedValue {
            $0[printer.name] = SlotHandle(printer: printer, task: task, connections: continuation, current: current)
        }
        // The first connection: made here so a reload can replace it the same way.
        do {
            var slotLogger = logger
            slotLogger[metadataKey: "printer.name"] = "\(printer.name)"
            let link = try factories.makeLink(printer, bridge, slotLogger)
            current.link = link
            continuation.yield(
                PrinterConnection(link: link, storage: factories.makeStorage(printer, bridge, slotLogger)))
        } catch {
            logger.error(
                "cannot create the printer link", metadata: ["printer.name": "\(printer.name)", "error": "\(error)"])
        }
    }

    private func stopSlot(_ name: String) async {
        guard let handle = slots.withLockedValue({ $0.removeValue(forKey: name) }) else { return }
        handle.task.cancel()
        handle.connections.finish()
        await handle.task.value
        states.withLockedValue { _ = $0.removeValue(forKey: name) }
    }

    private func stopAll() async {
        for name in slots.withLockedValue({ Array($0.keys) }) { await stopSlot(name) }
    }

    /// New connection settings for a running slot: same pty and session, new link.
    private func replaceConnection(of printer: PrinterConfiguration, bridge: BridgeSettings) async {
        guard let handle = slots.withLockedValue({ $0[printer.name] }) else { return }
        var slotLogger = logger
        slotLogger[metadataKey: "printer.name"] = "\(printer.name)"
        do {
            let link = try factories.makeLink(printer, bridge, slotLogger)
            let old = handle.current.link
            handle.current.link = link
            handle.connections.yield(
                PrinterConnection(link: link, storage: factories.makeStorage(printer, bridge, slotLogger)))
            slots.withLockedValue { $0[printer.name]?.printer = printer }
            await old?.close()
        } catch {
            slotLogger.error("cannot create the printer link", metadata: ["error": "\(error)"])
        }
    }

    private func runSlot(
        _ printer: PrinterConfiguration, bridge: BridgeSettings, connections: AsyncStream<PrinterConnection>,
        current: CurrentLink, ready: @escaping @Sendable () -> Void
    ) async {
        var slotLogger = logger
        slotLogger[metadataKey: "printer.name"] = "\(printer.name)"
        slotLogger[metadataKey: "printer.serial"] = "\(printer.serial)"
        var attempt = 0
        var announced = false
        var port: (any ClosableHostPort)?
        while !Task.isCancelled, port == nil {
            do {
                port = try await factories.makePort(printer, bridge, slotLogger)
            } catch {
                slotLogger.error("cannot create the serial port", metadata: ["error": "\(error)"])
                if !announced {
                    announced = true
                    ready()
                }
                attempt += 1
                try? await Task.sleep(for: .seconds(min(60, 5 * attempt)))
            }
        }
        if !announced { ready() }
        guard let port else {
            await current.link?.close()
            return
        }
        let name = printer.name
        let driver = makeDriver(printer, bridge: bridge, port: port, connections: connections, logger: slotLogger)
        await driver.run()
        sinks.withLockedValue { _ = $0.removeValue(forKey: name) }
        pings.withLockedValue { _ = $0.removeValue(forKey: name) }
        heartbeats.withLockedValue { _ = $0.removeValue(forKey: name) }
        await current.link?.close()
        await port.close()
        if !Task.isCancelled {
            slotLogger.error("printer session ended unexpectedly")
        }
    }

    /// The session and its driver for a slot whose port is open. Not async, so the slot's long-lived
    /// frame keeps no copy of the session (about 1 KB; BENCHMARKS.md, benchmark 3).
    @inline(never)  // inlined, its locals would become part of the async caller's frame
    private func makeDriver(
        _ printer: PrinterConfiguration, bridge: BridgeSettings, port: any ClosableHostPort,
        connections: AsyncStream<PrinterConnection>, logger: Logger
    ) -> PrinterSessionDriver {
        let name = printer.name
        let session = PrinterSession(
            configuration: SessionConfiguration(
                printerName: printer.name, serial: printer.serial, model: printer.model,
                unknownCodePolicy: bridge.unknownGCode == .reject ? .reject : .passthrough,
                externalChamber: printer.externalChamber,
                downloadDirectory: bridge.stateDirectory + "/downloads/" + printer.name,
                wallClockAtStart: Int64(time(nil))))
        return PrinterSessionDriver(
            session: session, port: port, links: connections, logger: logger,
            spoolDirectory: bridge.stateDirectory + "/spool",
            observer: SessionObserver(
                linkStateChanged: { [self] _ in notifier.notify("STATUS=\(statusText)") },
                processedEvent: { [self] in heartbeats.withLockedValue { $0[name] = ContinuousClock.now } },
                registerPing: { [self] ping in pings.withLockedValue { $0[name] = ping } },
                statusChanged: { [self] status in states.withLockedValue { $0[name] = status } },
                registerSink: { [self] sink in
                    sinks.withLockedValue { $0[name] = sink }
                    if let texts = hmsTexts.withLockedValue({ $0 }) { sink(.hmsTexts(texts)) }
                }),
            snapshots: camera.map { SnapshotWriter(hub: $0, directory: bridge.stateDirectory + "/snapshots") })
    }

    /// `CLOCK_MONOTONIC` in microseconds, for `RELOADING=1` (systemd 253+ wants it; 252 ignores it).
    private static var monotonicMicroseconds: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }
}

/// A configured printer as `bambu-serial status` lists it.
package struct PrinterStatus: Sendable, Equatable {
    package var enabled: Bool
    package var serial: String
    package var session: SessionStatus

    package init(enabled: Bool, serial: String, session: SessionStatus) {
        self.enabled = enabled
        self.serial = serial
        self.session = session
    }
}

/// The link a slot uses now, so a reload can close it after handing over the new one.
final class CurrentLink: Sendable {
    private let value = NIOLockedValueBox<(any ClosablePrinterLink)?>(nil)
    var link: (any ClosablePrinterLink)? {
        get { value.withLockedValue { $0 } }
        set { value.withLockedValue { $0 = newValue } }
    }
}

/// Counts slots that finished starting.
private final class ReadinessCounter: Sendable {
    private let remaining: NIOLockedValueBox<Int>
    init(expected: Int) { remaining = NIOLockedValueBox(expected) }

    /// Records one slot; true for the last one.
    func arrive() -> Bool {
        remaining.withLockedValue { count in
            count -= 1
            return count == 0
        }
    }
}
