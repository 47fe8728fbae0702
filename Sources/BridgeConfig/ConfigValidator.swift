// SPDX-License-Identifier: AGPL-3.0-or-later
// Turns the TOMLKit tree into typed settings, collecting a located diagnostic for every problem.

import BambuModel
import TOMLKit

/// Checks one configuration document and builds the typed ``BridgeConfiguration``.
///
/// Exists to keep TOMLKit at this edge (§2.8) and to make "collect every error" cheap: each check
/// appends a diagnostic and carries on, and a value is returned only when nothing was appended.
/// Unknown tables and keys are errors, after Klipper's unused-option check.
struct ConfigValidator<FileSystem: ConfigFileSystem> {
    /// A table being read: its TOMLKit node, its path in ``SourceIndex`` and its name in messages.
    private struct Scope {
        let table: TOMLTable
        let path: String
        let label: String
    }

    /// Permission bits that let group or others read a file.
    private static var groupOrOtherRead: UInt32 { 0o044 }

    private let text: String
    private let file: String
    private let fileMode: UInt32?
    private let fileSystem: FileSystem
    private let index: SourceIndex
    private var diagnostics: [ConfigDiagnostic] = []
    /// Lines of inline `access_code` keys, for the permission check of the configuration file.
    private var inlineAccessCodeLines: [Int] = []

    /// Prepares to validate `text`, read from `file`.
    init(text: String, file: String, fileMode: UInt32?, fileSystem: FileSystem) {
        self.text = text
        self.file = file
        self.fileMode = fileMode
        self.fileSystem = fileSystem
        self.index = SourceIndex(text: text)
    }

    /// The diagnostics in file order (those without a line first), stable for equal lines.
    var sortedDiagnostics: [ConfigDiagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }

    /// Runs every check.
    ///
    /// - Returns: The configuration, or `nil` when the text is not TOML; the caller must still check
    ///   ``sortedDiagnostics``, which is empty only if the configuration is valid.
    mutating func validate() -> BridgeConfiguration? {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            reportSyntaxError(
                description: error.description,
                line: error.source.begin.line,
                column: error.source.begin.column
            )
            checkConfigurationFileMode(accessCodeLines: index.accessCodeLines)
            return nil
        } catch {
            reportSyntaxError(description: "\(error)", line: 0, column: 0)
            checkConfigurationFileMode(accessCodeLines: index.accessCodeLines)
            return nil
        }

        var configuration = BridgeConfiguration()
        for key in root.keys {
            guard let value = root[key] else { continue }
            switch key {
            case "bridge":
                if let table = value.table {
                    configuration.bridge = bridgeSettings(Scope(table: table, path: key, label: "[bridge]"))
                } else {
                    report(at: key, "'bridge' must be a table: write [bridge]")
                }
            case "http":
                if let table = value.table {
                    configuration.http = httpSettings(Scope(table: table, path: key, label: "[http]"))
                } else {
                    report(at: key, "'http' must be a table: write [http]")
                }
            case "printer":
                configuration.printers = printers(value)
            default:
                if value.type == .table {
                    report(at: key, "unknown table [\(key)]")
                } else if let array = value.array, !array.isEmpty, array.allSatisfy({ $0.type == .table }) {
                    report(at: key, "unknown table [[\(key)]]")
                } else {
                    report(at: key, "unknown key '\(key)' outside any table")
                }
            }
        }
        checkConfigurationFileMode(accessCodeLines: inlineAccessCodeLines)
        return configuration
    }

    // MARK: - Tables

    /// Reads `[bridge]`.
    private mutating func bridgeSettings(_ scope: Scope) -> BridgeSettings {
        rejectUnknownKeys(in: scope, allowed: ["device_dir", "group", "mode", "unknown_gcode", "state_dir", "hms_language"])
        var settings = BridgeSettings.defaults
        if let directory = absolutePath("device_dir", in: scope) { settings.deviceDirectory = directory }
        if let group = string("group", in: scope) {
            if group.isEmpty {
                report(at: scope, "group", "'group' must not be empty")
            } else if group.contains(where: \.isWhitespace) {
                report(at: scope, "group", "'group' must not contain whitespace: \"\(group)\"")
            } else {
                settings.group = group
            }
        }
        if let mode = mode(in: scope) { settings.mode = mode }
        if let policy = string("unknown_gcode", in: scope) {
            if let value = UnknownGCodePolicy(rawValue: policy) {
                settings.unknownGCode = value
            } else {
                report(
                    at: scope,
                    "unknown_gcode",
                    "'unknown_gcode' must be \"passthrough\" or \"reject\", not \"\(policy)\""
                )
            }
        }
        if let directory = absolutePath("state_dir", in: scope) { settings.stateDirectory = directory }
        if let language = string("hms_language", in: scope) {
            // It names a file in state_dir and goes into the endpoint's URL: letters, digits, '-' and '_' only.
            let allowed = language.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
            }
            if language.isEmpty || language.utf8.count > 16 || !allowed {
                report(
                    at: scope, "hms_language",
                    "'hms_language' must be a language code such as \"en\" or \"de\" (letters, digits, '-', '_'), not \"\(language)\"")
            } else {
                settings.hmsLanguage = language
            }
        }
        return settings
    }

    /// Reads `[http]`.
    private mutating func httpSettings(_ scope: Scope) -> HTTPSettings {
        rejectUnknownKeys(
            in: scope,
            allowed: ["listen", "token", "camera_quality", "camera_max_fps", "camera_idle_timeout", "camera_snapshot_timeout"])
        var settings = HTTPSettings.defaults
        if let listen = string("listen", in: scope) {
            if Self.isHostAndPort(listen) {
                settings.listen = listen
            } else {
                report(at: scope, "listen", "'listen' must be host:port, such as \"127.0.0.1:8093\", not \"\(listen)\"")
            }
        }
        if let token = string("token", in: scope) {
            if token.isEmpty {
                report(at: scope, "token", "'token' must not be empty; remove it to allow clients without a token")
            } else {
                settings.token = Secret(token)
            }
        }
        if let value = boundedInteger("camera_quality", 1...100, in: scope) { settings.cameraQuality = value }
        if let value = boundedInteger("camera_max_fps", 1...60, in: scope) { settings.cameraMaxFramesPerSecond = value }
        if let value = boundedInteger("camera_idle_timeout", 1...86_400, in: scope) {
            settings.cameraIdleTimeoutSeconds = value
        }
        if let value = boundedInteger("camera_snapshot_timeout", 1...300, in: scope) {
            settings.cameraSnapshotTimeoutSeconds = value
        }
        return settings
    }

    /// An integer key within `range`; out of range is reported and ignored.
    private mutating func boundedInteger(_ key: String, _ range: ClosedRange<Int>, in scope: Scope) -> Int? {
        guard let value = integer(key, in: scope) else { return nil }
        guard range.contains(value) else {
            report(at: scope, key, "'\(key)' must be from \(range.lowerBound) to \(range.upperBound), not \(value)")
            return nil
        }
        return value
    }

    /// Reads every `[[printer]]` and checks that names are unique.
    private mutating func printers(_ value: any TOMLValueConvertible) -> [PrinterConfiguration] {
        guard let array = value.array else {
            report(at: "printer", "'printer' must be an array of tables: write [[printer]]")
            return []
        }
        var result: [PrinterConfiguration] = []
        var firstOrdinalByName: [String: Int] = [:]
        for (offset, element) in array.enumerated() {
            let ordinal = offset + 1
            let path = SourceIndex.elementPath("printer", ordinal: ordinal)
            guard let table = element.table else {
                report(at: path, "[[printer]] #\(ordinal) must be a table")
                continue
            }
            let scope = Scope(table: table, path: path, label: "[[printer]] #\(ordinal)")
            if let name = table["name"]?.string {
                if let first = firstOrdinalByName[name] {
                    report(at: scope, "name", "duplicate printer name \"\(name)\" (also used by [[printer]] #\(first))")
                } else {
                    firstOrdinalByName[name] = ordinal
                }
            }
            if let printer = printer(scope) { result.append(printer) }
        }
        return result
    }

    /// Reads one `[[printer]]`; `nil` if anything in it is wrong (the problems are reported).
    private mutating func printer(_ scope: Scope) -> PrinterConfiguration? {
        let before = diagnostics.count
        rejectUnknownKeys(
            in: scope,
            allowed: [
                "name", "host", "serial", "access_code", "access_code_file", "mqtt_port", "ftps_port", "model",
                "external_chamber", "tls", "ca_file", "enabled", "camera_port",
            ]
        )
        let name = requiredString("name", in: scope)
        if let name, !Self.isUsableFileName(name) {
            report(
                at: scope,
                "name",
                "printer name \"\(name)\" cannot be used as a file name; use 1 to 64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit"
            )
        }
        let host = requiredString("host", in: scope)
        if let host {
            if host.isEmpty {
                report(at: scope, "host", "'host' must not be empty")
            } else if host.contains(where: \.isWhitespace) {
                report(at: scope, "host", "'host' must not contain whitespace: \"\(host)\"")
            }
        }
        let serial = requiredString("serial", in: scope)
        let serialIsValid = serial.map(Self.isWellFormedSerial) ?? false
        if let serial, !serialIsValid {
            report(at: scope, "serial", "'serial' must be 15 digits and upper-case letters, not \"\(serial)\"")
        }
        let model = resolveModel(serial: serialIsValid ? serial : nil, in: scope)
        let accessCode = accessCode(in: scope)
        let mqttPort = port("mqtt_port", in: scope) ?? PrinterConfiguration.defaultMQTTPort
        let ftpsPort = port("ftps_port", in: scope) ?? PrinterConfiguration.defaultFTPSPort
        let cameraPort = port("camera_port", in: scope)
        let externalChamber = boolean("external_chamber", in: scope) ?? false
        let tls = tlsMode(in: scope)
        let enabled = boolean("enabled", in: scope) ?? true

        guard diagnostics.count == before, let name, let host, let serial, let model, let accessCode, let tls else {
            return nil
        }
        return PrinterConfiguration(
            name: name,
            host: host,
            serial: serial,
            accessCode: accessCode,
            mqttPort: mqttPort,
            ftpsPort: ftpsPort,
            model: model.model,
            modelOverridden: model.overridden,
            externalChamber: externalChamber,
            tls: tls,
            enabled: enabled,
            cameraPort: cameraPort
        )
    }

    // MARK: - Printer fields

    /// The `model` override, else the model of the serial prefix.
    private mutating func resolveModel(serial: String?, in scope: Scope) -> (model: PrinterModel, overridden: Bool)? {
        let knownModels = PrinterModel.allCases.map(\.configName).joined(separator: ", ")
        if scope.table.contains(key: "model") {
            guard let name = string("model", in: scope) else { return nil }
            guard let model = PrinterModel(configName: name) else {
                report(at: scope, "model", "unknown model \"\(name)\"; use one of: \(knownModels)")
                return nil
            }
            return (model, true)
        }
        guard let serial else { return nil }
        guard let model = PrinterModel(serial: serial) else {
            report(
                at: scope,
                "serial",
                "serial prefix \"\(serial.prefix(3))\" is not a known model; set 'model' to one of: \(knownModels)"
            )
            return nil
        }
        return (model, false)
    }

    /// Exactly one of `access_code` and `access_code_file`, checked and read.
    private mutating func accessCode(in scope: Scope) -> Secret? {
        let hasInline = scope.table.contains(key: "access_code")
        let hasFile = scope.table.contains(key: "access_code_file")
        switch (hasInline, hasFile) {
        case (true, true):
            report(at: scope, "access_code_file", "set only one of 'access_code' and 'access_code_file'")
            return nil
        case (false, false):
            report(
                at: scope.path,
                "missing access code in \(scope.label): set 'access_code_file' (recommended) or 'access_code'"
            )
            return nil
        case (true, false):
            guard let code = string("access_code", in: scope) else { return nil }
            if let line = index.line(SourceIndex.keyPath(scope.path, "access_code")) {
                inlineAccessCodeLines.append(line)
            }
            guard !code.isEmpty else {
                report(at: scope, "access_code", "'access_code' must not be empty")
                return nil
            }
            return Secret(code)
        case (false, true):
            guard let path = string("access_code_file", in: scope) else { return nil }
            guard !path.isEmpty else {
                report(at: scope, "access_code_file", "'access_code_file' must not be empty")
                return nil
            }
            let contents: (text: String, mode: UInt32)
            do {
                contents = try fileSystem.read(path)
            } catch {
                report(at: scope, "access_code_file", "cannot read access_code_file \(path): \(error)")
                return nil
            }
            var valid = true
            if contents.mode & Self.groupOrOtherRead != 0 {
                report(at: scope, "access_code_file", Self.readableSecretMessage(path))
                valid = false
            }
            let code = Self.trimmed(contents.text)
            if code.isEmpty {
                report(at: scope, "access_code_file", "access_code_file \(path) is empty")
                valid = false
            }
            return valid ? Secret(code) : nil
        }
    }

    /// `tls`, with `ca_file` when it is `ca`.
    private mutating func tlsMode(in scope: Scope) -> TLSMode? {
        let caFile = string("ca_file", in: scope)
        if let caFile {
            if caFile.isEmpty {
                report(at: scope, "ca_file", "'ca_file' must not be empty")
            } else if !fileSystem.exists(caFile) {
                report(at: scope, "ca_file", "ca_file \(caFile) does not exist")
            }
        }
        let hasCAFile = scope.table.contains(key: "ca_file")
        guard scope.table.contains(key: "tls") else {
            if hasCAFile { report(at: scope, "ca_file", "'ca_file' is only used with tls = \"ca\"") }
            return .pinned
        }
        guard let value = string("tls", in: scope) else { return nil }
        switch value {
        case "pinned", "insecure":
            if hasCAFile { report(at: scope, "ca_file", "'ca_file' is only used with tls = \"ca\"") }
            return value == "pinned" ? .pinned : .insecure
        case "ca":
            guard hasCAFile else {
                report(at: scope, "tls", "tls = \"ca\" requires 'ca_file' in \(scope.label)")
                return nil
            }
            guard let caFile else { return nil }
            return .ca(file: caFile)
        default:
            report(at: scope, "tls", "'tls' must be \"pinned\", \"ca\" or \"insecure\", not \"\(value)\"")
            return nil
        }
    }

    /// A TCP port, 1–65535.
    private mutating func port(_ key: String, in scope: Scope) -> Int? {
        guard let value = integer(key, in: scope) else { return nil }
        guard (1...65_535).contains(value) else {
            report(at: scope, key, "'\(key)' must be between 1 and 65535, not \(value)")
            return nil
        }
        return value
    }

    // MARK: - Bridge fields

    /// `mode`: a string of octal digits (`"0660"`) or an integer taken as is (`0o660`).
    private mutating func mode(in scope: Scope) -> UInt32? {
        guard let value = scope.table["mode"] else { return nil }
        let maximum: UInt32 = 0o777
        if let digits = value.string {
            guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ ("0"..."7").contains($0) }) else {
                report(at: scope, "mode", "'mode' must be octal digits such as \"0660\", not \"\(digits)\"")
                return nil
            }
            guard let mode = UInt32(digits, radix: 8), mode <= maximum else {
                report(at: scope, "mode", "'mode' must be at most \"0777\", not \"\(digits)\"")
                return nil
            }
            return mode
        }
        if let number = value.int {
            guard number >= 0, number <= Int(maximum) else {
                report(
                    at: scope,
                    "mode",
                    "'mode' must be at most 0o777 (511), not \(number); write it as a string such as \"0660\""
                )
                return nil
            }
            return UInt32(number)
        }
        report(at: scope, "mode", "'mode' must be a string of octal digits such as \"0660\"")
        return nil
    }

    /// A string that must be an absolute path.
    private mutating func absolutePath(_ key: String, in scope: Scope) -> String? {
        guard let path = string(key, in: scope) else { return nil }
        guard path.hasPrefix("/") else {
            report(at: scope, key, "'\(key)' must be an absolute path, not \"\(path)\"")
            return nil
        }
        return path
    }

    // MARK: - Typed access

    /// Reports every key of `scope` that is not in `allowed`.
    private mutating func rejectUnknownKeys(in scope: Scope, allowed: Set<String>) {
        for key in scope.table.keys where !allowed.contains(key) {
            report(at: scope, key, "unknown key '\(key)' in \(scope.label)")
        }
    }

    /// A required string; reports it missing or of the wrong type.
    private mutating func requiredString(_ key: String, in scope: Scope) -> String? {
        guard scope.table.contains(key: key) else {
            report(at: scope.path, "missing required key '\(key)' in \(scope.label)")
            return nil
        }
        return string(key, in: scope)
    }

    /// An optional string; `nil` if absent or (reported) not a string.
    private mutating func string(_ key: String, in scope: Scope) -> String? {
        guard let value = scope.table[key] else { return nil }
        guard let string = value.string else {
            report(at: scope, key, "'\(key)' must be a string")
            return nil
        }
        return string
    }

    /// An optional integer; `nil` if absent or (reported) not an integer.
    private mutating func integer(_ key: String, in scope: Scope) -> Int? {
        guard let value = scope.table[key] else { return nil }
        guard let integer = value.int else {
            report(at: scope, key, "'\(key)' must be an integer")
            return nil
        }
        return integer
    }

    /// An optional boolean; `nil` if absent or (reported) not `true`/`false`.
    private mutating func boolean(_ key: String, in scope: Scope) -> Bool? {
        guard let value = scope.table[key] else { return nil }
        guard let boolean = value.bool else {
            report(at: scope, key, "'\(key)' must be true or false")
            return nil
        }
        return boolean
    }

    // MARK: - Reporting

    /// Reports a problem with `key` of `scope`, at the key's line.
    private mutating func report(at scope: Scope, _ key: String, _ message: String) {
        report(at: SourceIndex.keyPath(scope.path, key), message)
    }

    /// Reports a problem at the line of an index path (a table or key).
    private mutating func report(at path: String, _ message: String) {
        diagnostics.append(ConfigDiagnostic(file: file, line: index.line(path), message: message))
    }

    /// Reports TOMLKit's syntax error, with any inline secret cut out of its text.
    private mutating func reportSyntaxError(description: String, line: Int, column: Int) {
        var message = description
        for secret in index.secretValues {
            message = message.replacing(secret, with: "<redacted>")
        }
        let location = column > 0 ? " (column \(column))" : ""
        diagnostics.append(
            ConfigDiagnostic(
                file: file,
                line: line > 0 ? line : nil,
                message: "TOML syntax error: \(message)\(location)"
            )
        )
    }

    /// Refuses a configuration file that holds an inline access code and is readable by group or others.
    private mutating func checkConfigurationFileMode(accessCodeLines: [Int]) {
        guard let fileMode, fileMode & Self.groupOrOtherRead != 0, let first = accessCodeLines.first else { return }
        diagnostics.append(ConfigDiagnostic(file: file, line: first, message: Self.readableSecretMessage(file)))
    }

    // MARK: - Pure checks

    /// The message for a secret-holding file that group or others can read, with the exact fix.
    private static func readableSecretMessage(_ path: String) -> String {
        "\(path) holds an access code and is readable by group or others; run: chmod 600 \(path)"
    }

    /// `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`: safe as a file name under `device_dir`.
    static func isUsableFileName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (1...64).contains(bytes.count), isAlphanumeric(first) else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
                || $0 == UInt8(ascii: "-")
        }
    }

    /// Fifteen ASCII digits and upper-case letters, as printed on the printer.
    static func isWellFormedSerial(_ serial: String) -> Bool {
        let bytes = Array(serial.utf8)
        return bytes.count == 15
            && bytes.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
            }
    }

    /// `host:port` with a non-empty host (IPv6 in brackets) and a port 1–65535.
    static func isHostAndPort(_ value: String) -> Bool {
        let host: Substring
        let port: Substring
        if value.hasPrefix("[") {
            guard let close = value.firstRange(of: "]:") else { return false }
            host = value[value.index(after: value.startIndex)..<close.lowerBound]
            port = value[close.upperBound...]
        } else {
            guard let colon = value.lastIndex(of: ":") else { return false }
            host = value[..<colon]
            port = value[value.index(after: colon)...]
            if host.contains(":") { return false }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { return false }
        guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), let number = Int(port) else { return false }
        return (1...65_535).contains(number)
    }

    /// `text` without leading and trailing whitespace and newlines.
    static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    /// An ASCII letter or digit.
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
}
