// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated print job and its life cycle.

/// What is being printed: file, name, size and how long it takes.
///
/// Exists to carry one job's identity through its phases, so `FINISH` and `FAILED` reports still name
/// the last job as real printers do (bambu-lan.md §2.4, §2.5).
struct SimulatedJob: Sendable, Equatable {
    /// `gcode_file`: the file as the start request named it.
    var file: String
    /// `subtask_name`: the display name (the file name without `.3mf` / `.gcode`).
    var name: String
    /// `total_layer_num`.
    var layers: Int
    /// Printing time once `RUNNING` (the `PREPARE` phase comes on top).
    var duration: Duration

    /// How long `PREPARE` lasts before printing starts.
    static let prepareDuration = Duration.seconds(3)
    /// The stages shown while preparing, one per second (bambu-lan.md §2.16: 2 heatbed preheating,
    /// 13 homing toolhead, 7 heating hotend).
    static let prepareStages = [2, 13, 7]

    /// A job with sane bounds: at least one layer and one second.
    init(file: String, name: String? = nil, layers: Int, duration: Duration) {
        self.file = file
        self.name = name ?? Self.displayName(of: file)
        self.layers = max(layers, 1)
        self.duration = max(duration, .seconds(1))
    }

    /// The last path component without `.3mf` and `.gcode` (so `/cache/cube.gcode.3mf` → `cube`).
    static func displayName(of file: String) -> String {
        var name = Substring(file.split(separator: "/").last ?? Substring(file))
        for suffix in [".3mf", ".gcode"] where name.hasSuffix(suffix) {
            name = name.dropLast(suffix.count)
        }
        return String(name)
    }
}

/// The job state machine behind `gcode_state`.
///
/// Exists because the state is an enum whose transitions return what changed (design Rule 6): time
/// moves `PREPARE` → `RUNNING` → `FINISH`; requests and the console pause, resume and stop. Elapsed
/// times are accumulated by `advance(by:)`, so pausing simply stops the clock of the job.
enum JobPhase: Sendable, Equatable {
    case idle
    case preparing(SimulatedJob, elapsed: Duration)
    case running(SimulatedJob, elapsed: Duration)
    case paused(SimulatedJob, elapsed: Duration)
    case finished(SimulatedJob)
    case failed(SimulatedJob, progress: Duration)

    /// A transition caused by time passing.
    enum Event: Equatable {
        case startedPrinting
        case finished
    }

    /// `gcode_state` for this phase.
    var gcodeState: String {
        switch self {
        case .idle: "IDLE"
        case .preparing: "PREPARE"
        case .running: "RUNNING"
        case .paused: "PAUSE"
        case .finished: "FINISH"
        case .failed: "FAILED"
        }
    }

    /// The current or last job.
    var job: SimulatedJob? {
        switch self {
        case .idle: nil
        case .preparing(let job, _), .running(let job, _), .paused(let job, _), .finished(let job),
            .failed(let job, _):
            job
        }
    }

    /// Whether a job occupies the printer (`PREPARE`, `RUNNING`, `PAUSE`): new starts are refused.
    var isBusy: Bool {
        switch self {
        case .preparing, .running, .paused: true
        case .idle, .finished, .failed: false
        }
    }

    /// Time until the next time-driven transition, or `nil` when time changes nothing.
    var timeToNextTransition: Duration? {
        switch self {
        case .preparing(_, let elapsed): max(SimulatedJob.prepareDuration - elapsed, .zero)
        case .running(let job, let elapsed): max(job.duration - elapsed, .zero)
        default: nil
        }
    }

    /// Lets `time` pass; returns the transition that happened when a phase ran out.
    ///
    /// Callers never step across a transition (they stop at `timeToNextTransition`), so leftover time
    /// is not carried into the next phase.
    mutating func advance(by time: Duration) -> Event? {
        switch self {
        case .preparing(let job, let elapsed):
            let now = elapsed + time
            guard now >= SimulatedJob.prepareDuration else {
                self = .preparing(job, elapsed: now)
                return nil
            }
            self = .running(job, elapsed: .zero)
            return .startedPrinting
        case .running(let job, let elapsed):
            let now = elapsed + time
            guard now >= job.duration else {
                self = .running(job, elapsed: now)
                return nil
            }
            self = .finished(job)
            return .finished
        default:
            return nil
        }
    }

    /// `RUNNING` → `PAUSE`; `false` in any other phase.
    mutating func pause() -> Bool {
        guard case .running(let job, let elapsed) = self else { return false }
        self = .paused(job, elapsed: elapsed)
        return true
    }

    /// `PAUSE` → `RUNNING`; `false` in any other phase.
    mutating func resume() -> Bool {
        guard case .paused(let job, let elapsed) = self else { return false }
        self = .running(job, elapsed: elapsed)
        return true
    }

    /// `PREPARE`/`RUNNING`/`PAUSE` → `FAILED`; `false` when no job occupies the printer.
    mutating func fail() -> Bool {
        switch self {
        case .preparing(let job, _): self = .failed(job, progress: .zero)
        case .running(let job, let elapsed), .paused(let job, let elapsed): self = .failed(job, progress: elapsed)
        default: return false
        }
        return true
    }

    /// `PREPARE`/`RUNNING`/`PAUSE` → `FINISH`; `false` when no job occupies the printer.
    mutating func finish() -> Bool {
        guard isBusy, let job else { return false }
        self = .finished(job)
        return true
    }

    // MARK: Report values (bambu-lan.md §2.4, §2.16)

    /// Printing progress as a fraction 0–1 of the job's duration.
    private var fraction: Double {
        switch self {
        case .idle, .preparing: 0
        case .finished: 1
        case .running(let job, let elapsed), .paused(let job, let elapsed), .failed(let job, let elapsed):
            min(max(elapsed / job.duration, 0), 1)
        }
    }

    /// `mc_percent`: 0–99 while printing, 100 once finished.
    var percent: Int {
        if case .finished = self { return 100 }
        return min(Int(fraction * 100), 99)
    }

    /// `layer_num`: 0 until printing starts, then 1…`layers`.
    var layer: Int {
        switch self {
        case .idle, .preparing: 0
        case .finished(let job): job.layers
        case .running(let job, _), .paused(let job, _), .failed(let job, _):
            min(Int(fraction * Double(job.layers)) + 1, job.layers)
        }
    }

    /// `mc_remaining_time` in minutes, rounded up.
    var remainingMinutes: Int {
        switch self {
        case .idle, .finished, .failed: 0
        case .preparing(let job, _): Self.minutes(job.duration)
        case .running(let job, let elapsed), .paused(let job, let elapsed): Self.minutes(job.duration - elapsed)
        }
    }

    /// `stg_cur`: the stage while preparing, 0 printing, 16 paused by user, `idle` otherwise.
    func stage(idle: Int) -> Int {
        switch self {
        case .preparing(_, let elapsed):
            let second = Int(elapsed.components.seconds)
            return SimulatedJob.prepareStages[min(max(second, 0), SimulatedJob.prepareStages.count - 1)]
        case .running: return 0
        case .paused: return 16
        case .idle, .finished, .failed: return idle
        }
    }

    /// `gcode_file_prepare_percent`: the download progress while preparing, "100" once a job got going.
    var preparePercent: Int {
        switch self {
        case .idle: 0
        case .preparing(_, let elapsed): min(Int(elapsed / SimulatedJob.prepareDuration * 100), 100)
        default: 100
        }
    }

    private static func minutes(_ time: Duration) -> Int {
        let seconds = max(time / .seconds(1), 0)
        return Int((seconds / 60).rounded(.up))
    }
}
