// SPDX-License-Identifier: AGPL-3.0-or-later
// A swift-log handler that writes structured entries to the systemd journal.

internal import CSystemd
package import Logging

/// Sends log entries to journald with structured fields.
///
/// Exists so `journalctl -u bambu-serial PRINTER=x1c` finds one printer's lines: metadata keys
/// become journal fields (`printer.name` → `PRINTER_NAME`, plus the short `PRINTER=` and
/// `SERIAL=` fields). Keys that cannot be a journal field name are dropped.
package struct JournalLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    private let label: String

    package init(label: String) { self.label = label }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        Self.send(fields(for: event))
    }

    /// The journal fields of one entry: MESSAGE, PRIORITY, the code location, and one field per
    /// metadata key, plus the short `PRINTER=` and `SERIAL=` fields.
    package func fields(for event: LogEvent) -> [String] {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var fields = [
            "MESSAGE=\(event.message)", "PRIORITY=\(Self.priority(event.level))", "SYSLOG_IDENTIFIER=bambu-serial",
            "CODE_FILE=\(event.file)", "CODE_LINE=\(event.line)", "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            guard let name = Self.fieldName(key) else { continue }
            fields.append("\(name)=\(value)")
            if key == "printer.name" { fields.append("PRINTER=\(value)") }
            if key == "printer.serial" { fields.append("SERIAL=\(value)") }
        }
        return fields
    }

    /// `printer.name` → `PRINTER_NAME`; nil for keys journald would reject.
    package static func fieldName(_ key: String) -> String? {
        let mapped = String(
            key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        guard let first = mapped.first, first != "_", !first.isNumber, mapped.count <= 64 else { return nil }
        let reserved: Set<String> = ["MESSAGE", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "SYSLOG_IDENTIFIER"]
        return reserved.contains(mapped) ? "META_" + mapped : mapped
    }

    private static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func send(_ fields: [String]) {
        var pointers = fields.map { strdup($0) }
        defer { for pointer in pointers { free(pointer) } }
        pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { rebound in
                _ = csystemd_journal_send(rebound.baseAddress, rebound.count)
            }
        }
    }
}
