// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial sim`: simulated printers behind a real mosquitto broker with TLS.

import ArgumentParser
import BambuModel
import BambuSimulator
import Foundation
import Logging
import MQTTAdapter
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// Starts simulated printers.
///
/// Exists so users can try hosts and the bridge without hardware, and so the tests can run
/// everything: a real mosquitto broker (TLS listener per printer, its certificate naming the
/// serial, user `bblp` with the printer's access code), one simulated printer per model, and a
/// `bambu-serial.toml` for `bambu-serial run`.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run simulated printers (a local mosquitto broker with TLS) and write a matching configuration.",
        discussion: """
            Prints a line starting with "ready" when every printer accepts connections, then one line
            per request a printer receives ("request <printer> <json>"). Commands on standard input:
              hms <printer> <XXXX_XXXX_XXXX_XXXX>   raise an HMS entry       clear-hms <printer>
              set <printer> <key>=<value>           set a report field       lock <printer> / unlock <printer>
              start <printer> <file> [layers] [seconds]   a job started on the printer's screen
              pause|resume|stop|finish <printer>    act on the printer's screen   fail <printer> [error]
              broker stop|start|restart             stop or start the broker      quit
              camera stop|start|restart             stop or start every camera
              camera clients                        sessions each camera served ("ok camera clients x1c=1 …")
            Each printer has a camera: RTSPS (1280x720, --rtsps-fps H.264) on X1/P2/H2/X2 models, the
            TLS JPEG stream (1280x720, --camera-fps) on P1/A1 models; see "camera=" in the printer line.
              recert <printer>                      new key and certificate (the broker restarts)
              inject <printer> <text>               publish <text> as is on the printer's report topic
              flood <printer> <count> <per-second>  publish <count> small reports at that rate
            """)

    @Option(name: .long, help: "Comma-separated models (see `bambu-serial models`).")
    var models: String = "x1c,p1s,h2d"

    @Option(
        name: .long,
        help: "Simulated printers per listed model (names x1c, x1c-2, …): `--models x1c --count 100` runs 100 X1C.")
    var count: Int = 1

    @Option(name: .long, help: "Working directory (default: a new directory under /tmp).")
    var dir: String?

    @Option(name: .long, help: "Seconds between periodic reports.")
    var interval: Double = 1

    @Option(name: .long, help: "Simulated seconds per real second (makes heaters and jobs faster).")
    var speed: Double = 1

    @Option(name: .long, help: "Frames per second of the P1/A1-style JPEG cameras (real printers: 1 to 2).")
    var cameraFps: Int = 2

    @Option(name: .long, help: "Frames per second of the RTSPS cameras (real printers: 15; tests use fewer to save CPU).")
    var rtspsFps: Int = 15

    @Flag(name: .long, help: "Stop (as on SIGTERM) when the process that started the simulator exits (tests).")
    var exitWithParent = false

    @Option(name: .long, help: "IPv4 address the printers' brokers listen on (tests in a network namespace).")
    var listen: String = "127.0.0.1"

    func validate() throws {
        for name in models.split(separator: ",") where PrinterModel(configName: String(name)) == nil {
            throw ValidationError("unknown model '\(name)'; see `bambu-serial models`")
        }
        guard count >= 1, count <= 500 else { throw ValidationError("--count must be between 1 and 500") }
        guard interval > 0, speed > 0 else { throw ValidationError("--interval and --speed must be positive") }
        guard (1...30).contains(cameraFps) else { throw ValidationError("--camera-fps must be 1 to 30") }
        guard (1...30).contains(rtspsFps) else { throw ValidationError("--rtsps-fps must be 1 to 30") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "bambu-serial-sim")
        logger.logLevel = .notice
        let directory = try dir ?? Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let listed = models.split(separator: ",").compactMap { PrinterModel(configName: String($0)) }
        if exitWithParent { Self.stopWhenOrphaned() }
        let runner = try SimulatorRunner(
            directory: directory, models: listed.flatMap { Array(repeating: $0, count: count) },
            interval: interval, speed: speed, jpegCameraFramesPerSecond: cameraFps, rtspsFramesPerSecond: rtspsFps,
            listenAddress: listen, logger: logger)
        do {
            try await runner.run()
        } catch let error as SimulatorError {
            printError("bambu-serial sim: \(error.description)")
            throw ExitCode(1)
        }
    }

    /// Sends ourselves SIGTERM once the parent is gone: a test process that ends without stopping
    /// its simulator (a suite-wide one, a crash, a time limit) must not leave it and its broker behind.
    private static func stopWhenOrphaned() {
        let parent = getppid()
        let thread = Thread {
            while getppid() == parent { usleep(500_000) }
            kill(getpid(), SIGTERM)
        }
        thread.name = "sim-parent-watch"
        thread.start()
    }

    private static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/bambu-sim-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw SimulatorError("cannot create a directory under /tmp") }
        return String(cString: result)
    }
}
