// SPDX-License-Identifier: AGPL-3.0-or-later
// The camera port: a printer's camera as a stream of JPEG frames, whatever its protocol.

/// One JPEG frame from a printer's camera, ready to send to a viewer as is.
package struct CameraFrame: Sendable, Equatable {
    /// A complete JPEG (SOI … EOI).
    package var jpeg: [UInt8]
    package var width: Int
    package var height: Int
    /// Monotonic time the frame was received or encoded, for latency figures and snapshot age.
    package var receivedAt: ContinuousClock.Instant

    package init(jpeg: [UInt8], width: Int, height: Int, receivedAt: ContinuousClock.Instant) {
        self.jpeg = jpeg
        self.width = width
        self.height = height
        self.receivedAt = receivedAt
    }
}

/// What a camera source reports while it runs.
package enum CameraSourceEvent: Sendable, Equatable {
    /// A connection attempt begins (first one or a reconnect).
    case connecting
    /// Connected; frames follow.
    case streaming
    /// One frame.
    case frame(CameraFrame)
    /// The connection failed or ended; the source retries with backoff by itself unless `permanent`
    /// (wrong access code, certificate mismatch, camera switched off on the printer). `reason` is shown to users.
    case failed(reason: String, permanent: Bool)
}

/// One printer's camera connection: RTSPS decoded to JPEG, or the port-6000 JPEG stream passed through.
///
/// Exists so the HTTP endpoint and its viewer bookkeeping (one source shared by many viewers, closed
/// after an idle timeout) do not know about libavformat or TLS, and tests can use a fake source.
/// A source does its network and decoding work on its own thread, never on Swift's cooperative pool.
package protocol CameraSource: Sendable {
    /// Connects and yields events until `stop()`; reconnects with backoff by itself.
    /// Called at most once per source object.
    func start() -> AsyncStream<CameraSourceEvent>
    /// Closes the connection and finishes the stream; safe to call more than once.
    func stop()
}
