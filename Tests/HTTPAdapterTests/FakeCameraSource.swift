// SPDX-License-Identifier: AGPL-3.0-or-later
// A camera source that makes numbered JPEG-shaped frames on its own thread, or fails as told.

import BridgeRuntime
import Foundation
import NIOConcurrencyHelpers

/// A stand-in for a printer's camera.
///
/// Exists so hub and HTTP tests see what the endpoint does with a source (how often it is started
/// and stopped) and control what it yields: frames at an interval, or a failure.
final class FakeCameraSource: CameraSource, Sendable {
    enum Behaviour: Sendable {
        /// Frames of `size` bytes every `interval`, after `delay`.
        case frames(interval: Duration, size: Int, delay: Duration = .zero)
        /// `.connecting`, then `.failed(reason, permanent)`; a permanent failure ends the stream.
        case failure(reason: String, permanent: Bool)
    }

    private struct State {
        var starts = 0
        var stops = 0
        var continuation: AsyncStream<CameraSourceEvent>.Continuation?
    }

    let behaviour: Behaviour
    private let state = NIOLockedValueBox(State())

    init(_ behaviour: Behaviour) { self.behaviour = behaviour }

    var startCount: Int { state.withLockedValue { $0.starts } }
    var stopCount: Int { state.withLockedValue { $0.stops } }

    func start() -> AsyncStream<CameraSourceEvent> {
        let (stream, continuation) = AsyncStream<CameraSourceEvent>.makeStream(bufferingPolicy: .bufferingNewest(8))
        state.withLockedValue {
            $0.starts += 1
            $0.continuation = continuation
        }
        continuation.yield(.connecting)
        switch behaviour {
        case .failure(let reason, let permanent):
            continuation.yield(.failed(reason: reason, permanent: permanent))
            if permanent { continuation.finish() }
        case .frames(let interval, let size, let delay):
            let thread = Thread { [self] in
                Thread.sleep(forTimeInterval: Self.seconds(delay))
                continuation.yield(.streaming)
                var number = 0
                while state.withLockedValue({ $0.continuation != nil }) {
                    number += 1
                    continuation.yield(.frame(Self.frame(number, size: size)))
                    Thread.sleep(forTimeInterval: Self.seconds(interval))
                }
            }
            thread.start()
        }
        return stream
    }

    func stop() {
        let continuation = state.withLockedValue { state in
            state.stops += 1
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.finish()
    }

    /// `FF D8`, the frame number as 8 ASCII digits, filler, `FF D9`.
    static func frame(_ number: Int, size: Int) -> CameraFrame {
        let digits = String(number)
        let label = Array((String(repeating: "0", count: max(0, 8 - digits.count)) + digits).utf8)
        let filler = [UInt8](repeating: 0x55, count: max(0, size - 12))
        return CameraFrame(
            jpeg: [0xFF, 0xD8] + label + filler + [0xFF, 0xD9], width: 1280, height: 720, receivedAt: .now)
    }

    /// The frame number written by `frame(_:size:)`.
    static func number(of jpeg: [UInt8]) -> Int? {
        guard jpeg.count >= 12 else { return nil }
        return Int(String(decoding: jpeg[2..<10], as: UTF8.self))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Sources by printer name, made on demand, so tests can look at the one the hub got.
final class FakeCameras: Sendable {
    private let made = NIOLockedValueBox<[String: [FakeCameraSource]]>([:])
    private let behaviours: [String: FakeCameraSource.Behaviour]

    init(_ behaviours: [String: FakeCameraSource.Behaviour]) { self.behaviours = behaviours }

    /// The factory for the hub: a new fake per request, nil for printers without a behaviour.
    var factory: CameraHub.SourceFactory {
        { [self] name in
            guard let behaviour = behaviours[name] else { return nil }
            let source = FakeCameraSource(behaviour)
            made.withLockedValue { $0[name, default: []].append(source) }
            return source
        }
    }

    func sources(_ name: String) -> [FakeCameraSource] { made.withLockedValue { $0[name] ?? [] } }
    func starts(_ name: String) -> Int { sources(name).reduce(0) { $0 + $1.startCount } }
    func stops(_ name: String) -> Int { sources(name).reduce(0) { $0 + $1.stopCount } }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(30), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
