// SPDX-License-Identifier: AGPL-3.0-or-later
// The whole validated configuration file, and how two of them differ.

/// The validated contents of `bambu-serial.toml`.
///
/// Exists as the one value the composition root hands to the runtime; it is produced only by
/// ``ConfigurationLoader``, so holding one means every check in the loader passed.
package struct BridgeConfiguration: Sendable, Equatable {
    /// The `[bridge]` table, defaults filled in.
    package var bridge: BridgeSettings
    /// The `[http]` table, defaults filled in.
    package var http: HTTPSettings
    /// The `[[printer]]` tables in file order; names are unique.
    package var printers: [PrinterConfiguration]

    /// Builds a configuration from already validated parts.
    package init(
        bridge: BridgeSettings = .defaults,
        http: HTTPSettings = .defaults,
        printers: [PrinterConfiguration] = []
    ) {
        self.bridge = bridge
        self.http = http
        self.printers = printers
    }

    /// Compares this (new) configuration with `old`, printer by printer name.
    ///
    /// - Parameter old: The configuration currently running.
    /// - Returns: Names added, removed, changed (any field differs) and unchanged, plus whether the
    ///   `[bridge]` or `[http]` tables differ.
    package func differences(from old: BridgeConfiguration) -> ConfigurationChanges {
        var oldByName: [String: PrinterConfiguration] = [:]
        for printer in old.printers where oldByName[printer.name] == nil {
            oldByName[printer.name] = printer
        }
        let newNames = Set(printers.map(\.name))
        var changes = ConfigurationChanges(bridgeChanged: bridge.portSettingsDiffer(from: old.bridge), httpChanged: http != old.http)
        for printer in printers {
            if let previous = oldByName[printer.name] {
                if previous == printer {
                    changes.unchanged.append(printer.name)
                } else {
                    changes.changed.append(printer.name)
                }
            } else {
                changes.added.append(printer.name)
            }
        }
        changes.removed = old.printers.map(\.name).filter { !newNames.contains($0) }
        return changes
    }
}
