// SPDX-License-Identifier: AGPL-3.0-or-later
// How many frames a camera source saw, let through its rate limit, and delivered.

import Synchronization

/// A camera source's frame counts since it started.
///
/// Exists so `bambu-serial camera-bench` can tell decoding cost from encoding cost: frames above
/// the rate limit are decoded (H.264 needs every one) but never encoded.
package struct CameraFrameCounts: Sendable, Equatable {
    /// Frames out of the H.264 decoder (RTSPS), or frames read from the stream (JPEG stream).
    package var decoded: Int
    /// Frames the rate limiter let through (the rest were dropped before encoding).
    package var admitted: Int
    /// Frames handed to viewers (admitted frames that encoded, or that were whole JPEGs).
    package var delivered: Int
}

/// A camera source that counts its frames.
package protocol FrameCountingCameraSource {
    /// The counts since `start()`.
    var frameCounts: CameraFrameCounts { get }
}

/// The counters one source's thread increments and any thread reads.
final class FrameCounters: Sendable {
    private let decoded = Atomic(0)
    private let admitted = Atomic(0)
    private let delivered = Atomic(0)

    func countDecoded() { decoded.add(1, ordering: .relaxed) }
    func countAdmitted() { admitted.add(1, ordering: .relaxed) }
    func countDelivered() { delivered.add(1, ordering: .relaxed) }

    var snapshot: CameraFrameCounts {
        CameraFrameCounts(
            decoded: decoded.load(ordering: .relaxed), admitted: admitted.load(ordering: .relaxed),
            delivered: delivered.load(ordering: .relaxed))
    }
}
