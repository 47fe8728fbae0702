// SPDX-License-Identifier: AGPL-3.0-or-later
// Process-wide libmosquitto set-up and its version.

internal import CMosquitto

/// libmosquitto as a whole: initialised once per process, before any client exists.
///
/// Exists because `mosquitto_lib_init` is not thread-safe and must run exactly once (recipes).
package enum MosquittoLibrary {
    /// Calls `mosquitto_lib_init`; the executable calls this once in `main`.
    package static func initialize() {
        _ = mosquitto_lib_init()
    }

    /// The linked library's version, e.g. `2.0.11`.
    package static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}
