// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial run`: the daemon.

import ArgumentParser
import BambuModel
import BridgeConfig
import BridgeRuntime
import CameraAdapter
import FTPSAdapter
import Foundation
import Logging
import MQTTAdapter
import NIOConcurrencyHelpers
import PTYAdapter
import ServiceLifecycle
import SystemdAdapter
import UnixSignals

/// Runs the bridge: one pty and one printer link per configured printer.
///
/// Exists as the composition root: it reads the configuration, bootstraps logging, initialises
/// the C libraries once, wires the adapters into the supervisor and runs it in a `ServiceGroup`
/// that shuts down gracefully on SIGTERM and SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the bridge daemon (what the systemd unit starts).")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Status socket for `bambu-serial status` (default: /run/bambu-serial/status.sock, else state_dir).")
    var statusSocket: String?

    func run() async throws {
        MallocArenas.limit(to: max(2, ProcessInfo.processInfo.activeProcessorCount))
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        let useJournal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                useJournal ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "bambu-serial")

        let configuration: BridgeConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: options.config)
        } catch {
            for diagnostic in error.diagnostics { logger.critical("\(diagnostic.description)") }
            throw ExitCode(1)
        }

        MosquittoLibrary.initialize()
        CurlLibrary.initialize()

        let notifier = SystemdNotifier()
        // Each printer's camera source follows its current configuration (reloads change it).
        let current = CurrentConfiguration(configuration)
        let cameras = CameraHub(
            idleTimeout: .seconds(configuration.http.cameraIdleTimeoutSeconds),
            snapshotTimeout: .seconds(configuration.http.cameraSnapshotTimeoutSeconds),
            makeSource: { name in
                let configuration = current.value
                guard let printer = configuration.printers.first(where: { $0.name == name && $0.enabled }) else {
                    return nil
                }
                let pins = CertificatePinStore(stateDirectory: configuration.bridge.stateDirectory)
                let isPinned = printer.tls == .pinned
                return CameraSources.make(
                    printer.cameraSettings(
                        pins: pins, quality: configuration.http.cameraQuality,
                        maxFramesPerSecond: Double(configuration.http.cameraMaxFramesPerSecond)),
                    pinLearned: { fingerprint in
                        guard isPinned else { return }
                        Self.storePin(fingerprint, serial: printer.serial, pins: pins, learnedBy: "camera", logger: logger)
                    })
            }, logger: logger)
        let supervisor = PrinterSupervisor(
            configuration: configuration, factories: .live, notifier: notifier, logger: logger, camera: cameras)
        current.follow(supervisor)
        let statusServer = startStatusServer(configuration: configuration, supervisor: supervisor, logger: logger)
        defer { statusServer?.stop() }
        let http = HTTPService(hub: cameras, supervisor: supervisor, logger: logger)
        await http.start(configuration.http)
        let service = BridgeService(
            supervisor: supervisor, notifier: notifier, configPath: options.config, logger: logger, http: http,
            cameras: cameras)
        let group = ServiceGroup(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
            logger: logger)
        logger.info(
            "starting", metadata: ["printers": "\(configuration.printers.filter(\.enabled).count)",
                "config": "\(options.config)"])
        try await group.run()
        await http.stop()
        await cameras.closeAll()
        logger.info("stopped")
    }

    /// Stores a certificate fingerprint that pinned mode learned (trust on first use) unless a pin is
    /// already stored: MQTT, FTPS and the camera all reach the same printer, so whichever connects
    /// first pins it for the others and for the next start.
    static func storePin(
        _ fingerprint: String, serial: String, pins: CertificatePinStore, learnedBy connection: String, logger: Logger
    ) {
        guard pins.pin(forSerial: serial) == nil else { return }
        do {
            try pins.store(fingerprint, forSerial: serial)
            logger.notice(
                "pinned the printer's certificate",
                metadata: [
                    "tls.fingerprint": "\(fingerprint)", "tls.pin_file": "\(pins.path(forSerial: serial))",
                    "tls.learned_by": "\(connection)",
                ])
        } catch {
            logger.warning("cannot store the certificate pin", metadata: ["error": "\(error)"])
        }
    }

    /// Listens on the status socket: the explicit path, the runtime directory, else the state directory.
    private func startStatusServer(
        configuration: BridgeConfiguration, supervisor: PrinterSupervisor, logger: Logger
    ) -> StatusServer? {
        let candidates =
            statusSocket.map { [$0] }
            ?? [StatusSocket.defaultPath, StatusSocket.fallbackPath(stateDirectory: configuration.bridge.stateDirectory)]
        for path in candidates {
            if let server = try? StatusServer(path: path) {
                server.start(logger: logger) { StatusReport.json(supervisor.statuses).serialized }
                logger.info("status socket ready", metadata: ["status.socket": "\(path)"])
                return server
            }
        }
        logger.warning("no status socket: none of the paths could be bound", metadata: ["paths": "\(candidates)"])
        return nil
    }
}

/// The supervisor as a service, with the watchdog and SIGHUP handling around it.
struct BridgeService: Service {
    let supervisor: PrinterSupervisor
    let notifier: SystemdNotifier
    let configPath: String
    let logger: Logger
    let http: HTTPService
    let cameras: CameraHub

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await supervisor.run() }
            if let interval = notifier.watchdogInterval {
                group.addTask { await watchdog(interval: interval) }
            }
            group.addTask { await hangups() }
            try? await gracefulShutdown()
            notifier.send("STOPPING=1")
            await notifier.flush(timeout: .seconds(1))  // sent before the process ends
            group.cancelAll()
        }
    }

    /// Sends `WATCHDOG=1` at half the interval while every session loop answers its ping.
    private func watchdog(interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval / 2)
            if supervisor.sessionsAlive(within: interval) {
                notifier.send("WATCHDOG=1")
            } else {
                logger.error("a printer session stopped answering; not petting the watchdog")
            }
        }
    }

    /// SIGHUP re-reads the configuration; an invalid file is refused and the running one kept.
    private func hangups() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            do {
                let configuration = try ConfigurationLoader.load(path: configPath)
                let changes = await supervisor.reload(configuration)
                // A printer's new address or access code applies to its camera from the next viewer on.
                let reconnect = changes.bridgeChanged ? changes.added + changes.removed : changes.changed + changes.removed
                for name in reconnect { await cameras.close(name) }
                if changes.httpChanged { await http.restart(configuration.http) }
            } catch {
                for diagnostic in error.diagnostics {
                    logger.error("reload refused: \(diagnostic.description)")
                }
                logger.error("configuration not reloaded; the running configuration stays in force")
            }
        }
    }
}

extension SystemdNotifier: ServiceNotifier {
    func notify(_ state: String) {
        send(state)
    }
}

extension SlotFactories {
    /// The real adapters: a pty per printer and an MQTT link with the configured TLS mode.
    static let live = SlotFactories(
        makePort: { printer, bridge, logger in
            try await PseudoTerminal(
                name: printer.name, directory: bridge.deviceDirectory, group: bridge.group, mode: bridge.mode,
                logger: logger)
        },
        makeLink: { printer, bridge, logger in
            let pins = CertificatePinStore(stateDirectory: bridge.stateDirectory)
            let settings = printer.linkSettings(pins: pins)
            let isPinned = printer.tls == .pinned
            let pinHint = isPinned ? "; if the printer was replaced or reset, delete \(pins.path(forSerial: printer.serial))" : ""
            return try MQTTPrinterLink(settings: settings, logger: logger, certificateChangedHint: pinHint) { fingerprint in
                guard isPinned else { return }
                RunCommand.storePin(fingerprint, serial: printer.serial, pins: pins, learnedBy: "mqtt", logger: logger)
            }
        },
        makeStorage: { printer, bridge, logger in
            let pins = CertificatePinStore(stateDirectory: bridge.stateDirectory)
            return FTPSPrinterStorage(client: FTPSClient(endpoint: printer.ftpsEndpoint(pins: pins), logger: logger))
        })
}

/// The configuration the supervisor runs with now, for code built before the supervisor (the camera hub).
///
/// Exists because the hub and the supervisor need each other: the supervisor takes the hub, and the
/// hub's camera factory must see the configuration after every reload.
final class CurrentConfiguration: Sendable {
    private let state: NIOLockedValueBox<(initial: BridgeConfiguration, supervisor: PrinterSupervisor?)>

    init(_ initial: BridgeConfiguration) { state = NIOLockedValueBox((initial, nil)) }

    /// From now on, the supervisor's configuration.
    func follow(_ supervisor: PrinterSupervisor) { state.withLockedValue { $0.supervisor = supervisor } }

    var value: BridgeConfiguration {
        let (initial, supervisor) = state.withLockedValue { ($0.initial, $0.supervisor) }
        return supervisor?.currentConfiguration ?? initial
    }
}

/// glibc's malloc arenas, capped for a daemon of mostly idle threads.
///
/// Exists because glibc makes up to eight arenas per core as threads contend, and each keeps free
/// memory of its own: with a hundred printers, one arena per core saves about 30 KB per printer
/// (BENCHMARKS.md, benchmark 3). Only a few of the daemon's threads allocate at the same moment.
enum MallocArenas {
    /// Sets `M_ARENA_MAX`; arenas that already exist stay. Swift's Glibc module does not import
    /// `<malloc.h>`, so `mallopt` is looked up by name (and skipped on a C library without it).
    static func limit(to count: Int) {
        typealias SetOption = @convention(c) (Int32, Int32) -> Int32
        let arenaMaximum: Int32 = -8  // M_ARENA_MAX
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: SetOption.self)(arenaMaximum, Int32(clamping: count))
    }
}
