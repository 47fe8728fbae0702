// SPDX-License-Identifier: AGPL-3.0-or-later
// The optional `[http]` table: where the local status/camera HTTP endpoint listens, and its cameras.

/// Settings for the local HTTP endpoint from the optional `[http]` table.
///
/// Exists so later features (status page, camera snapshots) read a validated `host:port` and an
/// optional bearer token that cannot leak into logs (it is a ``Secret``).
package struct HTTPSettings: Sendable, Equatable {
    /// `host:port` to listen on (`listen`); IPv6 hosts are written in brackets, e.g. `[::1]:8093`.
    package var listen: String
    /// Bearer token clients must send (`token`); `nil` means no token is required.
    package var token: Secret?
    /// JPEG quality of frames decoded from RTSPS cameras, 1–100 (`camera_quality`).
    package var cameraQuality: Int
    /// Frames per second a camera stream is limited to (`camera_max_fps`).
    package var cameraMaxFramesPerSecond: Int
    /// Seconds a camera stays connected after its last viewer left (`camera_idle_timeout`).
    package var cameraIdleTimeoutSeconds: Int
    /// Seconds a snapshot request waits for the first frame of a camera that was not running
    /// (`camera_snapshot_timeout`): connecting and the first key frame can take several seconds.
    package var cameraSnapshotTimeoutSeconds: Int

    /// Builds settings from already validated values.
    package init(
        listen: String, token: Secret?, cameraQuality: Int = 80, cameraMaxFramesPerSecond: Int = 15,
        cameraIdleTimeoutSeconds: Int = 60, cameraSnapshotTimeoutSeconds: Int = 10
    ) {
        self.listen = listen
        self.token = token
        self.cameraQuality = cameraQuality
        self.cameraMaxFramesPerSecond = cameraMaxFramesPerSecond
        self.cameraIdleTimeoutSeconds = cameraIdleTimeoutSeconds
        self.cameraSnapshotTimeoutSeconds = cameraSnapshotTimeoutSeconds
    }

    /// Loopback only, no token: the values used when `[http]` or one of its keys is absent.
    package static let defaults = HTTPSettings(listen: "127.0.0.1:8093", token: nil)
}
