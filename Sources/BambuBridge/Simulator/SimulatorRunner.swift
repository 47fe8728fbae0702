// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulator's processes and loops: broker, MQTT connection, report ticker, console.

import BambuModel
import BambuSimulator
import CameraAdapter
import Foundation
import Logging
import MQTTAdapter
import NIOConcurrencyHelpers
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// Runs the broker and the simulated printers until SIGTERM, SIGINT or `quit`.
///
/// Exists to keep the pure `SimulatedPrinter` free of processes and sockets: this type starts
/// mosquitto, connects the printers to it over the broker's internal listener, publishes each
/// printer's reports and answers its requests.
final class SimulatorRunner: Sendable {
    private let files: SimulatorFiles
    private let identities: [SimulatedPrinterIdentity]
    private let internalPort: Int
    /// The port the generated configuration gives the daemon's HTTP endpoint (never a fixed one).
    private let httpPort: Int
    /// Keeps every port above bound until the simulator ends, so no parallel simulator draws one.
    private let reservation: PortReservation
    private let internalPassword: String
    private let interval: Double
    private let speed: Double
    private let logger: Logger
    private let broker = NIOLockedValueBox<Process?>(nil)
    private let storageServer = NIOLockedValueBox<Process?>(nil)
    private let cameraServer = NIOLockedValueBox<Process?>(nil)
    /// The P1/A1 printers' port-6000 cameras, served in this process.
    private let jpegCameras = NIOLockedValueBox<[JPEGStreamServer]>([])
    /// Sessions each printer's camera served since the simulator started (RTSP sessions set up,
    /// logins accepted by the JPEG stream), by printer name: `camera clients` prints them.
    private let cameraSessions = NIOLockedValueBox<[String: Int]>([:])
    /// Sessions each printer's camera has open now (`camera open`): the bridge closes its session
    /// `camera_idle_timeout` after the last viewer, which tests check here, at the source.
    private let openCameraSessions = NIOLockedValueBox<[String: Int]>([:])
    private let jpegCameraFramesPerSecond: Int
    private let rtspsFramesPerSecond: Int
    private let printers: NIOLockedValueBox<[String: SimulatedPrinter]>
    private let output = NIOLock()

    init(
        directory: String, models: [PrinterModel], interval: Double, speed: Double, jpegCameraFramesPerSecond: Int = 2, rtspsFramesPerSecond: Int = 15,
        listenAddress: String = "127.0.0.1", logger: Logger
    ) throws {
        files = SimulatorFiles(directory: directory, listenAddress: listenAddress)
        self.jpegCameraFramesPerSecond = jpegCameraFramesPerSecond
        self.rtspsFramesPerSecond = rtspsFramesPerSecond
        self.interval = interval
        self.speed = speed
        self.logger = logger
        reservation = try FreePorts.take(3 * models.count + 2)
        let ports = reservation.ports
        internalPort = ports[3 * models.count]
        httpPort = ports[3 * models.count + 1]
        internalPassword = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var identities: [SimulatedPrinterIdentity] = []
        var seen: [String: Int] = [:]
        for (index, model) in models.enumerated() {
            let count = seen[model.configName, default: 0] + 1
            seen[model.configName] = count
            let name = count == 1 ? model.configName : "\(model.configName)-\(count)"
            let number = String(index + 1)
            let serial = (model.serialPrefixes.first ?? "00M") + "00A" + String(repeating: "0", count: 9 - number.count)
                + number
            let code = String(format: "%08d", Int.random(in: 0...99_999_999))
            identities.append(
                SimulatedPrinterIdentity(
                    name: name, model: model, serial: serial, accessCode: code, port: ports[index],
                    ftpsPort: ports[models.count + index], cameraPort: ports[2 * models.count + index]))
        }
        self.identities = identities
        printers = NIOLockedValueBox(
            Dictionary(
                uniqueKeysWithValues: identities.map {
                    ($0.serial, SimulatedPrinter(name: $0.name, model: $0.model, serial: $0.serial))
                }))
    }

    func run() async throws {
        try files.writeCertificates(for: identities)
        try files.writeBrokerConfiguration(for: identities, internalPort: internalPort, internalPassword: internalPassword)
        try startBroker()
        defer { stopBroker() }
        try await waitForBroker()
        await startStorage()
        defer { stopStorage() }
        await startCameras()
        defer { stopCameras() }

        var schedule = RetrySchedule()
        schedule.initial = .milliseconds(200)
        schedule.maximum = .seconds(1)
        let client = try MQTTClient(
            endpoint: MQTTEndpoint(
                host: "127.0.0.1", port: internalPort, username: "simulator", password: internalPassword,
                clientID: "bambu-serial-sim-\(getpid())", security: .plain, subscriptions: ["device/+/request"]),
            schedule: schedule, logger: logger)
        client.start()
        try files.writeBridgeConfiguration(for: identities, group: Self.primaryGroupName(), httpPort: httpPort)

        let clock = ContinuousClock()
        let start = clock.now
        let simulatedNow: @Sendable () -> Duration = { [speed] in (clock.now - start) * speed }
        let (console, consoleContinuation) = AsyncStream<String>.makeStream()
        Self.readStandardInput(into: consoleContinuation)

        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                var ready = false
                for await event in client.events {
                    switch event {
                    case .connected:
                        if !ready {
                            ready = true
                            announceReady()
                        }
                    case .message(let topic, let payload):
                        handleRequest(topic: topic, payload: payload, at: simulatedNow(), client: client)
                    case .disconnected(let failure, _) where !ready:
                        // Its own broker refusing it, or nothing there: say so instead of waiting silently.
                        say("warning the simulated printers cannot reach their broker on 127.0.0.1:\(internalPort) yet: \(failure)")
                    case .connecting, .disconnected:
                        break
                    }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(interval))
                    publishPeriodicReports(at: simulatedNow(), client: client)
                }
            }
            group.addTask { [self] in
                for await line in console {
                    if line.trimmingCharacters(in: .whitespaces) == "quit" { break }
                    handleConsole(line, at: simulatedNow(), client: client)
                }
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { break }
            }
            await group.next()
            group.cancelAll()
        }
        await client.stop()
        say("stopped")
    }

    // MARK: - Printers

    private func handleRequest(topic: String, payload: [UInt8], at now: Duration, client: MQTTClient) {
        let parts = topic.split(separator: "/")
        guard parts.count == 3, parts[0] == "device", parts[2] == "request" else { return }
        let serial = String(parts[1])
        let text = String(decoding: payload, as: UTF8.self)
        let replies: [JSONValue]? = printers.withLockedValue { printers in
            guard var printer = printers[serial] else { return nil }
            let request = (try? JSONValue(parsing: payload)) ?? .null
            printer.advance(to: now)
            let replies = printer.handle(request: request, at: now)
            printers[serial] = printer
            return replies
        }
        guard let replies else { return }
        say("request \(name(of: serial)) \(text)")
        for reply in replies { client.publish(topic: "device/\(serial)/report", payload: reply.serializedBytes, qos: 0) }
    }

    private func publishPeriodicReports(at now: Duration, client: MQTTClient) {
        let reports: [(String, JSONValue)] = printers.withLockedValue { printers in
            var reports: [(String, JSONValue)] = []
            for serial in printers.keys.sorted() {
                guard var printer = printers[serial] else { continue }
                printer.advance(to: now)
                reports.append((serial, printer.periodicReport()))
                printers[serial] = printer
            }
            return reports
        }
        for (serial, report) in reports {
            client.publish(topic: "device/\(serial)/report", payload: report.serializedBytes, qos: 0)
        }
    }

    private func name(of serial: String) -> String {
        identities.first { $0.serial == serial }?.name ?? serial
    }

    // MARK: - Console

    private func handleConsole(_ line: String, at now: Duration, client: MQTTClient) {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else { return }
        if verb == "broker" {
            switch words.dropFirst().first {
            case "stop": stopBroker()
            case "start": startBrokerReporting()
            case "restart":
                stopBroker()
                startBrokerReporting()
            default: say("error usage: broker stop|start|restart")
            }
            return
        }
        if verb == "camera" {
            switch words.dropFirst().first {
            case "stop":
                stopCameras()
                say("ok camera stopped")
            case "start":
                Task { await startCameras(); say("ok camera started") }
            case "restart":
                stopCameras()
                Task { await startCameras(); say("ok camera started") }
            case "clients":
                let counts = cameraSessions.withLockedValue { $0 }
                say("ok camera clients " + identities.map { "\($0.name)=\(counts[$0.name, default: 0])" }.joined(separator: " "))
            case "open":
                let counts = openCameraSessions.withLockedValue { $0 }
                say("ok camera open " + identities.map { "\($0.name)=\(counts[$0.name, default: 0])" }.joined(separator: " "))
            default: say("error usage: camera stop|start|restart|clients|open")
            }
            return
        }
        guard words.count >= 2, let identity = identities.first(where: { $0.name == words[1] }) else {
            say("error unknown command or printer: \(line)")
            return
        }
        if verb == "inject" {
            // Anything at all on the report topic, as a broken or hostile printer might send it.
            let prefix = "inject \(identity.name) "
            let raw = line.hasPrefix(prefix) ? Array(line.utf8.dropFirst(prefix.utf8.count)) : []
            client.publish(topic: "device/\(identity.serial)/report", payload: raw, qos: 0)
            say("ok inject \(identity.name) \(raw.count)")
            return
        }
        if verb == "flood" {
            let count = words.count >= 3 ? Int(words[2]) ?? 1000 : 1000
            let perSecond = words.count >= 4 ? Int(words[3]) ?? 1000 : 1000
            flood(identity, count: count, perSecond: max(1, perSecond), client: client)
            return
        }
        if verb == "recert" {
            // A new key and certificate for the printer (a replaced mainboard, or someone in the middle):
            // the broker restarts to serve it, as a real printer would after a reboot.
            do {
                try files.writeCertificate(for: identity)
            } catch {
                say("error \(error)")
                return
            }
            stopBroker()
            startBrokerReporting()
            say("ok recert \(identity.name)")
            return
        }
        let control: SimulatorControl
        switch verb {
        case "hms":
            guard words.count >= 3, let (attribute, code) = Self.parseHMS(words[2]) else {
                say("error usage: hms <printer> XXXX_XXXX_XXXX_XXXX")
                return
            }
            control = .injectHMS(attribute: attribute, code: code)
        case "clear-hms": control = .clearHMS
        case "set":
            guard words.count >= 3, let equals = words[2].firstIndex(of: "=") else {
                say("error usage: set <printer> <key>=<value>")
                return
            }
            let key = String(words[2][..<equals])
            let raw = String(words[2][words[2].index(after: equals)...])
            control = .set(key: key, value: (try? JSONValue(parsing: raw)) ?? .string(raw))
        case "start":
            let file = words.count >= 3 ? words[2] : "Benchy.gcode.3mf"
            let layers = words.count >= 4 ? Int(words[3]) ?? 50 : 50
            let seconds = words.count >= 5 ? Int(words[4]) ?? 120 : 120
            control = .startJob(file: file, layers: layers, duration: .seconds(seconds))
        case "pause": control = .pause
        case "resume": control = .resume
        case "stop": control = .stop
        case "finish": control = .finish
        case "fail": control = .fail(printError: words.count >= 3 ? Int(words[2]) ?? 50_348_044 : 50_348_044)
        case "lock": control = .requireSignedCommands(true)
        case "unlock": control = .requireSignedCommands(false)
        default:
            say("error unknown command: \(verb)")
            return
        }
        let (messages, state): ([JSONValue], String) = printers.withLockedValue { printers in
            guard var printer = printers[identity.serial] else { return ([], "?") }
            printer.advance(to: now)
            let messages = printer.apply(control, at: now)
            printers[identity.serial] = printer
            return (messages, printer.gcodeState)
        }
        for message in messages {
            client.publish(topic: "device/\(identity.serial)/report", payload: message.serializedBytes, qos: 0)
        }
        say("ok \(verb) \(identity.name) \(state)")
    }

    /// Publishes `count` small status deltas at `perSecond` on a thread of its own, then says `ok flood`.
    private func flood(_ identity: SimulatedPrinterIdentity, count: Int, perSecond: Int, client: MQTTClient) {
        let topic = "device/\(identity.serial)/report"
        let thread = Thread { [self] in
            let clock = ContinuousClock()
            let start = clock.now
            for index in 0..<count {
                let wait = (start + .seconds(Double(index) / Double(perSecond))) - clock.now
                if wait > .milliseconds(1) {
                    let (seconds, attoseconds) = wait.components
                    Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) * 1e-18)
                }
                let payload =
                    #"{"print":{"command":"push_status","msg":1,"sequence_id":"\#(index)","wifi_signal":"-\#(40 + index % 30)dBm"}}"#
                client.publish(topic: topic, payload: Array(payload.utf8), qos: 0)
            }
            say("ok flood \(identity.name) \(count) in \(clock.now - start)")
        }
        thread.name = "sim-flood"
        thread.start()
    }

    /// `0300_0100_0001_0007` → (attr 0x03000100, code 0x00010007).
    static func parseHMS(_ text: String) -> (UInt32, UInt32)? {
        let groups = text.split(separator: "_")
        guard groups.count == 4, let values = Optional(groups.compactMap { UInt32($0, radix: 16) }), values.count == 4
        else { return nil }
        return ((values[0] << 16) | values[1], (values[2] << 16) | values[3])
    }

    // MARK: - Storage (FTPS)

    /// Starts the implicit-FTPS servers (pyftpdlib); without them the printers simply have no files.
    private func startStorage() async {
        guard let python = Self.locate(environment: "BAMBU_SIM_PYTHON", candidates: [".venv/bin/python"]),
            let script = Self.locate(
                environment: "BAMBU_SIM_FTPS_SCRIPT",
                candidates: ["Sources/BambuSimulator/ftps_server.py", "share/bambu-serial/ftps_server.py"])
        else {
            say("warning FTPS disabled: the FTPS server script or its Python (pyftpdlib) was not found; run `make venv`")
            return
        }
        do {
            let config = try files.writeStorageConfiguration(for: identities)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, "--config", config, "--seed", "--exit-with-parent"]
            let log = FileHandle(forWritingAtPath: files.brokerLogPath)
            log?.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            try process.run()
            storageServer.withLockedValue { $0 = process }
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(15)
            while clock.now < deadline {
                if identities.allSatisfy({ FreePorts.accepts($0.ftpsPort) }) { return }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            say("warning FTPS disabled: the FTPS server did not start; see \(files.brokerLogPath)")
        } catch {
            say("warning FTPS disabled: \(error)")
        }
    }

    // MARK: - Cameras

    /// Starts the cameras: the P1/A1 printers' JPEG streams in this process (``JPEGStreamServer``),
    /// the RTSPS ones in the camera server (gst-rtsp-server); without them the printers simply have no camera.
    private func startCameras() async {
        startJPEGCameras()
        guard identities.contains(where: { $0.model.capabilities.camera == .rtsps }) else { return }
        let python = ProcessInfo.processInfo.environment["BAMBU_SIM_CAMERA_PYTHON"] ?? "/usr/bin/python3"
        guard
            let script = Self.locate(
                environment: "BAMBU_SIM_CAMERA_SCRIPT",
                candidates: ["Sources/BambuSimulator/camera_server.py", "share/bambu-serial/camera_server.py"])
        else {
            say("warning RTSPS cameras disabled: camera_server.py was not found")
            return
        }
        do {
            let config = try files.writeCameraConfiguration(
                for: identities.filter { $0.model.capabilities.camera == .rtsps }, framesPerSecond: rtspsFramesPerSecond)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, "--config", config, "--exit-with-parent"]
            let log = FileHandle(forWritingAtPath: files.brokerLogPath)
            log?.seekToEndOfFile()
            let output = Pipe()
            process.standardOutput = output
            process.standardError = log
            try process.run()
            let ready = NIOLockedValueBox(false)
            relayCameraServerOutput(output.fileHandleForReading, log: log) { ready.withLockedValue { $0 = true } }
            cameraServer.withLockedValue { $0 = process }
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(15)
            while clock.now < deadline {
                // Its "ready" line, not a probe: a probe would be a connection `camera clients` counts.
                if ready.withLockedValue({ $0 }) { return }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            say(
                "warning RTSPS cameras disabled: the camera server did not start (it needs python3-gi, "
                    + "gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-ugly); see \(files.brokerLogPath)")
        } catch {
            say("warning RTSPS cameras disabled: \(error)")
        }
    }

    /// Starts a port-6000-style JPEG stream for every P1/A1-type printer, with its certificate and access code.
    private func startJPEGCameras() {
        var servers: [JPEGStreamServer] = []
        for identity in identities where identity.model.capabilities.camera == .jpegStream {
            let server = JPEGStreamServer(
                settings: JPEGStreamServer.Settings(
                    port: identity.cameraPort, certificateFile: files.certificatePath(for: identity),
                    keyFile: files.keyPath(for: identity), accessCode: identity.accessCode,
                    framesPerSecond: jpegCameraFramesPerSecond),
                onLogin: { [self] in countCameraSession(identity.name) },
                onLogout: { [self] in countCameraSessionEnded(identity.name) })
            do {
                try server.start()
                servers.append(server)
            } catch {
                say("warning camera of \(identity.name) disabled: \(error)")
            }
        }
        jpegCameras.withLockedValue { $0 += servers }
    }

    /// Reads the camera server's standard output on a thread of its own: `session-started <name>`
    /// and `session-ended <name>` lines are counted (and announced as `camera <name> sessions=<n>
    /// open=<n>` and `camera <name> open=<n>`), `ready` is reported, and everything else goes to the log.
    private func relayCameraServerOutput(_ handle: FileHandle, log: FileHandle?, ready: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            var pending: [UInt8] = []
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                pending += data
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if line.hasPrefix("session-started ") {
                        countCameraSession(String(line.dropFirst("session-started ".count)))
                    } else if line.hasPrefix("session-ended ") {
                        countCameraSessionEnded(String(line.dropFirst("session-ended ".count)))
                    } else {
                        if line == "ready" { ready() }
                        log?.write(Data((line + "\n").utf8))
                    }
                }
            }
            try? handle.close()
        }
        thread.name = "sim-camera-output"
        thread.start()
    }

    /// One more session served by `printer`'s camera.
    private func countCameraSession(_ printer: String) {
        let count = cameraSessions.withLockedValue { counts in
            counts[printer, default: 0] += 1
            return counts[printer, default: 0]
        }
        let open = openCameraSessions.withLockedValue { counts in
            counts[printer, default: 0] += 1
            return counts[printer, default: 0]
        }
        say("camera \(printer) sessions=\(count) open=\(open)")
    }

    /// A session of `printer`'s camera closed (the client left or tore it down).
    private func countCameraSessionEnded(_ printer: String) {
        let open = openCameraSessions.withLockedValue { counts in
            counts[printer, default: 0] = max(0, counts[printer, default: 0] - 1)
            return counts[printer, default: 0]
        }
        say("camera \(printer) open=\(open)")
    }

    private func stopCameras() {
        for server in jpegCameras.withLockedValue({ servers in defer { servers = [] }; return servers }) { server.stop() }
        guard let process = cameraServer.withLockedValue({ state -> Process? in
            defer { state = nil }
            return state
        }) else { return }
        Self.stop(process)
    }

    private func stopStorage() {
        guard let process = storageServer.withLockedValue({ state -> Process? in
            defer { state = nil }
            return state
        }) else { return }
        Self.stop(process)
    }

    /// SIGTERM, then SIGKILL after two seconds: children started by `Process` inherit our blocked
    /// signal mask, so mosquitto may never see the SIGTERM.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(2)
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// `$environment`, else the first candidate found walking up from the executable's directory.
    private static func locate(environment: String, candidates: [String]) -> String? {
        if let value = ProcessInfo.processInfo.environment[environment], !value.isEmpty { return value }
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in candidates {
                let path = directory.appendingPathComponent(candidate).path
                if FileManager.default.isExecutableFile(atPath: path) || FileManager.default.fileExists(atPath: path) {
                    return path
                }
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    // MARK: - Broker

    private func startBroker() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        process.arguments = ["-c", files.brokerConfigPath]
        _ = FileManager.default.createFile(atPath: files.brokerLogPath, contents: nil)
        let log = FileHandle(forWritingAtPath: files.brokerLogPath)
        log?.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw SimulatorError("cannot start /usr/sbin/mosquitto: \(error.localizedDescription) (apt-get install mosquitto)")
        }
        try? "\(process.processIdentifier)\n".write(toFile: files.brokerPIDPath, atomically: true, encoding: .utf8)
        broker.withLockedValue { $0 = process }
    }

    private func startBrokerReporting() {
        do {
            try startBroker()
            say("ok broker started")
        } catch {
            say("error \(error)")
        }
    }

    private func stopBroker() {
        guard let process = broker.withLockedValue({ state -> Process? in
            defer { state = nil }
            return state
        }) else { return }
        Self.stop(process)
        say("ok broker stopped")
    }

    private func waitForBroker() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while clock.now < deadline {
            if identities.allSatisfy({ FreePorts.accepts($0.port, host: files.listenAddress) }),
                FreePorts.accepts(internalPort)
            {
                return
            }
            if let process = broker.withLockedValue({ $0 }), !process.isRunning {
                let log = (try? String(contentsOfFile: files.brokerLogPath, encoding: .utf8)) ?? ""
                throw SimulatorError("mosquitto exited: \(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SimulatorError("mosquitto did not listen within 10 s; see \(files.brokerLogPath)")
    }

    // MARK: - Output

    private func announceReady() {
        for identity in identities {
            say(
                "printer \(identity.name) model=\(identity.model.configName) serial=\(identity.serial) "
                    + "mqtt=\(files.listenAddress):\(identity.port) ftps=127.0.0.1:\(identity.ftpsPort) "
                    + "camera=\(identity.model.capabilities.camera.rawValue):127.0.0.1:\(identity.cameraPort)")
        }
        say("ready config=\(files.configPath) dir=\(files.directory) printers=\(identities.map(\.name).joined(separator: ","))")
    }

    /// Writes one line to standard output at once (tests and `make demo` read it).
    private func say(_ line: String) {
        output.withLock {
            var bytes = Array((line + "\n").utf8)
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
                guard written > 0 else { return }
                bytes.removeFirst(written)
            }
        }
    }

    private static func readStandardInput(into continuation: AsyncStream<String>.Continuation) {
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            // Standard input closed: keep running until a signal (make demo runs us in the background).
        }
        thread.name = "sim-console"
        thread.start()
    }

    private static func primaryGroupName() -> String {
        guard let entry = getgrgid(getgid()) else { return "root" }
        return String(cString: entry.pointee.gr_name)
    }
}
