// SPDX-License-Identifier: AGPL-3.0-or-later
// Process-wide libmosquitto set-up and its version.

internal import CMosquitto

/// libmosquitto as a whole: initialised once per process, before any client exists.
///
/// Exists because `mosquitto_lib_init` is not thread-safe and must run exactly once (recipes).
package enum MosquittoLibrary {
    /// Calls `mosquitto_lib_init` the first time (the executable calls this in `main`; clients call
    /// it too, for processes that do not).
    package static func initialize() {
        _ = initialized
    }

    /// `mosquitto_lib_init`'s result, computed once (a `static let` is initialised once, thread-safely).
    private static let initialized: Int32 = mosquitto_lib_init()

    /// The linked library's version, e.g. `2.0.11`.
    package static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}
