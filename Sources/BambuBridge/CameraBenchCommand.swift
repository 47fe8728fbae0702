// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial camera-bench`: one printer's camera source for a while, with its CPU cost and latency.

import ArgumentParser
import BridgeConfig
import BridgeRuntime
import CameraAdapter
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a configured printer's camera source and reports what it cost.
///
/// Exists for `Benchmarks/camera/run.sh`: the same source the daemon uses (RTSPS decoded and
/// re-encoded, or the JPEG stream passed through), measured beside `ffmpeg` on the same stream.
/// Prints one `key=value` line: frames, bytes, process CPU seconds (user + system, from
/// getrusage), CPU seconds per minute of video, the delay from a frame's arrival (its packet
/// read from the socket) to its delivery, p50 and p99, and the source's own counts: frames
/// decoded (or read), admitted by the rate limit, delivered.
struct CameraBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "camera-bench",
        abstract: "Measure a printer's camera source (frames, CPU, latency) for a number of seconds.",
        shouldDisplay: false)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The printer's name in the configuration.")
    var printer: String

    @Option(name: .long, help: "Seconds to measure after the first frame.")
    var seconds: Double = 60

    @Option(name: .long, help: "JPEG quality (RTSPS cameras).")
    var quality: Int = 80

    @Option(name: .long, help: "Frame-rate limit (frames per second).")
    var maxFps: Double = 30

    func run() async throws {
        let (configuration, target) = try options.loadPrinter(named: printer)
        let pins = CertificatePinStore(stateDirectory: configuration.bridge.stateDirectory)
        let settings = target.cameraSettings(pins: pins, quality: quality, maxFramesPerSecond: maxFps)
        let source = CameraSources.make(settings)
        var frames = 0
        var bytes = 0
        var delays: [Duration] = []
        var startCPU = 0.0
        var start: ContinuousClock.Instant?
        var width = 0
        var height = 0
        for await event in source.start() {
            switch event {
            case .frame(let frame):
                let now = ContinuousClock.now
                guard let begun = start else {
                    start = now
                    startCPU = Self.processCPUSeconds()
                    continue
                }
                frames += 1
                bytes += frame.jpeg.count
                width = frame.width
                height = frame.height
                delays.append(now - frame.receivedAt)
                if now - begun >= .seconds(seconds) { source.stop() }
            case .failed(let reason, let permanent):
                printError("camera: \(reason)")
                if permanent { throw ExitCode(1) }
            case .connecting, .streaming:
                break
            }
        }
        guard let start, frames > 0 else {
            printError("no frames")
            throw ExitCode(1)
        }
        let elapsed = Self.seconds(ContinuousClock.now - start)
        let cpu = Self.processCPUSeconds() - startCPU
        delays.sort()
        let p50 = Self.seconds(delays[delays.count / 2]) * 1000
        let p99 = Self.seconds(delays[min(delays.count - 1, delays.count * 99 / 100)]) * 1000
        // The source's own counts run from its start (the warm-up frame included): decoded (or read)
        // frames, those the rate limit let through to the encoder, and those delivered.
        let counts = (source as? any FrameCountingCameraSource)?.frameCounts
        print(
            String(
                format: "kind=%@ frames=%d size=%dx%d seconds=%.1f fps=%.2f mean_jpeg_bytes=%d cpu_seconds=%.3f "
                    + "cpu_seconds_per_minute=%.3f delay_ms_p50=%.2f delay_ms_p99=%.2f decoded=%d admitted=%d delivered=%d",
                settings.kind.rawValue, frames, width, height, elapsed, Double(frames) / elapsed, bytes / frames, cpu,
                cpu * 60 / elapsed, p50, p99, counts?.decoded ?? -1, counts?.admitted ?? -1, counts?.delivered ?? -1))
    }

    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
