// SPDX-License-Identifier: AGPL-3.0-or-later
// The `[bridge]` table: where the ptys go, who may open them, how unknown G-codes are handled.

/// Daemon-wide settings from the `[bridge]` table.
///
/// Exists so the pty adapter and the session driver get typed, validated values (an octal mode as a
/// number, a policy as an enum) instead of raw TOML.
package struct BridgeSettings: Sendable, Equatable {
    /// Directory that holds one pty symlink per printer (`device_dir`).
    package var deviceDirectory: String
    /// Group that owns each pty slave (`group`), so members can open it without root.
    package var group: String
    /// Permission bits of each pty slave (`mode`), at most `0o777`.
    package var mode: UInt32
    /// What to do with G-codes the bridge does not translate (`unknown_gcode`).
    package var unknownGCode: UnknownGCodePolicy
    /// Directory for state that survives restarts (`state_dir`).
    package var stateDirectory: String
    /// Language of the HMS texts read from `state_dir/hms-<language>.json` (`hms_language`).
    package var hmsLanguage: String

    /// Builds settings from already validated values.
    package init(
        deviceDirectory: String,
        group: String,
        mode: UInt32,
        unknownGCode: UnknownGCodePolicy,
        stateDirectory: String,
        hmsLanguage: String = "en"
    ) {
        self.deviceDirectory = deviceDirectory
        self.group = group
        self.mode = mode
        self.unknownGCode = unknownGCode
        self.stateDirectory = stateDirectory
        self.hmsLanguage = hmsLanguage
    }

    /// Whether the settings that every port depends on differ (the HMS language does not: a reload
    /// only hands the sessions the other table).
    package func portSettingsDiffer(from other: BridgeSettings) -> Bool {
        var comparable = other
        comparable.hmsLanguage = hmsLanguage
        return comparable != self
    }

    /// The values used for keys the file leaves out (and when `[bridge]` is absent).
    package static let defaults = BridgeSettings(
        deviceDirectory: "/dev/bambu",
        group: "dialout",
        mode: 0o660,
        unknownGCode: .passthrough,
        stateDirectory: "/var/lib/bambu-serial",
        hmsLanguage: "en"
    )
}

/// How the bridge answers a G-code it has no translation for.
///
/// Exists because hosts differ: OctoPrint-style hosts want best effort (`passthrough` forwards the line
/// to the printer with `gcode_line`), while strict setups want an error back (`reject`).
package enum UnknownGCodePolicy: String, Sendable, Equatable, CaseIterable {
    /// Forward the line unchanged to the printer.
    case passthrough
    /// Answer `echo:Unknown command: "…"` and `ok` (never `Error:`), and do not forward.
    case reject
}
