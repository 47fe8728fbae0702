// SPDX-License-Identifier: AGPL-3.0-or-later
// One test case per configuration error kind: the exact message and the exact line.

import BambuModel
import BridgeConfig
import Testing

/// One invalid configuration and the single diagnostic it must produce.
///
/// Exists so the error table reads as data: a name, the TOML, and the expected `line: message`.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var kind: String
    var toml: String
    var fileMode: UInt32? = 0o600
    var line: Int?
    var message: String

    var testDescription: String { kind }
}

/// The model names a message lists, in `PrinterModel` order.
private let knownModels = PrinterModel.allCases.map(\.configName).joined(separator: ", ")

private let errorCases: [ErrorCase] = [
    ErrorCase(
        kind: "TOML syntax error",
        toml: """
            [bridge]
            group =
            """,
        line: 2,
        message: "TOML syntax error: Error while parsing key-value pair: encountered end-of-file (column 8)"
    ),
    ErrorCase(
        kind: "unknown table",
        toml: """
            [bridge]
            [brige]
            """,
        line: 2,
        message: "unknown table [brige]"
    ),
    ErrorCase(
        kind: "unknown array of tables",
        toml: """
            # printers
            [[printers]]
            name = "x1c"
            """,
        line: 2,
        message: "unknown table [[printers]]"
    ),
    ErrorCase(
        kind: "unknown key outside any table",
        toml: """
            device_dir = "/dev/bambu"
            """,
        line: 1,
        message: "unknown key 'device_dir' outside any table"
    ),
    ErrorCase(
        kind: "unknown key in [bridge]",
        toml: """
            [bridge]
            group = "dialout"
            devices = "/dev/bambu"
            """,
        line: 3,
        message: "unknown key 'devices' in [bridge]"
    ),
    ErrorCase(
        kind: "unknown key in [http]",
        toml: """
            [http]
            port = 8093
            """,
        line: 2,
        message: "unknown key 'port' in [http]"
    ),
    ErrorCase(
        kind: "unknown key in [[printer]]",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            acess_code = "12345678"
            """,
        line: 6,
        message: "unknown key 'acess_code' in [[printer]] #1"
    ),
    ErrorCase(
        kind: "unknown sub-table of [[printer]]",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            [printer.camera]
            """,
        line: 6,
        message: "unknown key 'camera' in [[printer]] #1"
    ),
    ErrorCase(
        kind: "[bridge] not a table",
        toml: """
            bridge = "/dev/bambu"
            """,
        line: 1,
        message: "'bridge' must be a table: write [bridge]"
    ),
    ErrorCase(
        kind: "[http] not a table",
        toml: """
            [[http]]
            listen = "127.0.0.1:8093"
            """,
        line: 1,
        message: "'http' must be a table: write [http]"
    ),
    ErrorCase(
        kind: "[printer] instead of [[printer]]",
        toml: """
            [printer]
            name = "x1c"
            """,
        line: 1,
        message: "'printer' must be an array of tables: write [[printer]]"
    ),
    ErrorCase(
        kind: "printer element not a table",
        toml: """
            printer = ["x1c"]
            """,
        line: 1,
        message: "[[printer]] #1 must be a table"
    ),
    ErrorCase(
        kind: "wrong type: integer",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            mqtt_port = "8883"
            """,
        line: 6,
        message: "'mqtt_port' must be an integer"
    ),
    ErrorCase(
        kind: "wrong type: string",
        toml: """
            [[printer]]
            name = "x1c"
            host = 192
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 3,
        message: "'host' must be a string"
    ),
    ErrorCase(
        kind: "wrong type: boolean",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            enabled = "yes"
            """,
        line: 6,
        message: "'enabled' must be true or false"
    ),
    ErrorCase(
        kind: "wrong type: access_code (value never shown)",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code = 12345678
            """,
        line: 5,
        message: "'access_code' must be a string"
    ),
    ErrorCase(
        kind: "missing required key",
        toml: """
            [[printer]]
            name = "x1c"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 1,
        message: "missing required key 'host' in [[printer]] #1"
    ),
    ErrorCase(
        kind: "duplicate printer name",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            [[printer]]
            name = "x1c"
            host = "192.0.2.11"
            serial = "00M00A000000001"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 7,
        message: "duplicate printer name \"x1c\" (also used by [[printer]] #1)"
    ),
    ErrorCase(
        kind: "name unusable as a file name",
        toml: """
            [[printer]]
            name = "../x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 2,
        message: "printer name \"../x1c\" cannot be used as a file name; use 1 to 64 letters, digits, '.', '_' or '-', "
            + "starting with a letter or digit"
    ),
    ErrorCase(
        kind: "empty host",
        toml: """
            [[printer]]
            name = "x1c"
            host = ""
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 3,
        message: "'host' must not be empty"
    ),
    ErrorCase(
        kind: "host with a space",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10 8883"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 3,
        message: "'host' must not contain whitespace: \"192.0.2.10 8883\""
    ),
    ErrorCase(
        kind: "malformed serial",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00m00a000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 4,
        message: "'serial' must be 15 digits and upper-case letters, not \"00m00a000000000\""
    ),
    ErrorCase(
        kind: "unknown model",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            model = "x9"
            """,
        line: 6,
        message: "unknown model \"x9\"; use one of: \(knownModels)"
    ),
    ErrorCase(
        kind: "unknown serial prefix without model",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "ZZZ00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 4,
        message: "serial prefix \"ZZZ\" is not a known model; set 'model' to one of: \(knownModels)"
    ),
    ErrorCase(
        kind: "both access_code and access_code_file",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code = "12345678"
            access_code_file = "/etc/bambu-serial/x1c.code"
            """,
        line: 6,
        message: "set only one of 'access_code' and 'access_code_file'"
    ),
    ErrorCase(
        kind: "neither access_code nor access_code_file",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            """,
        line: 1,
        message: "missing access code in [[printer]] #1: set 'access_code_file' (recommended) or 'access_code'"
    ),
    ErrorCase(
        kind: "empty inline access_code",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code = ""
            """,
        line: 5,
        message: "'access_code' must not be empty"
    ),
    ErrorCase(
        kind: "access_code_file missing",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/nope.code"
            """,
        line: 5,
        message: "cannot read access_code_file /etc/bambu-serial/nope.code: No such file or directory"
    ),
    ErrorCase(
        kind: "access_code_file empty",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/empty.code"
            """,
        line: 5,
        message: "access_code_file /etc/bambu-serial/empty.code is empty"
    ),
    ErrorCase(
        kind: "access_code_file readable by group",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/loose.code"
            """,
        line: 5,
        message: "/etc/bambu-serial/loose.code holds an access code and is readable by group or others; "
            + "run: chmod 600 /etc/bambu-serial/loose.code"
    ),
    ErrorCase(
        kind: "configuration with an inline access code readable by others",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code = "12345678"
            """,
        fileMode: 0o644,
        line: 5,
        message: "/etc/bambu-serial/bambu-serial.toml holds an access code and is readable by group or others; "
            + "run: chmod 600 /etc/bambu-serial/bambu-serial.toml"
    ),
    ErrorCase(
        kind: "invalid tls",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            tls = "strict"
            """,
        line: 6,
        message: "'tls' must be \"pinned\", \"ca\" or \"insecure\", not \"strict\""
    ),
    ErrorCase(
        kind: "tls = ca without ca_file",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            tls = "ca"
            """,
        line: 6,
        message: "tls = \"ca\" requires 'ca_file' in [[printer]] #1"
    ),
    ErrorCase(
        kind: "ca_file missing",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            tls = "ca"
            ca_file = "/etc/bambu-serial/missing.pem"
            """,
        line: 7,
        message: "ca_file /etc/bambu-serial/missing.pem does not exist"
    ),
    ErrorCase(
        kind: "ca_file without tls = ca",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            ca_file = "/etc/bambu-serial/bbl-ca.pem"
            """,
        line: 6,
        message: "'ca_file' is only used with tls = \"ca\""
    ),
    ErrorCase(
        kind: "port out of range",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            ftps_port = 70000
            """,
        line: 6,
        message: "'ftps_port' must be between 1 and 65535, not 70000"
    ),
    ErrorCase(
        kind: "port zero",
        toml: """
            [[printer]]
            name = "x1c"
            host = "192.0.2.10"
            serial = "00M00A000000000"
            access_code_file = "/etc/bambu-serial/x1c.code"
            mqtt_port = 0
            """,
        line: 6,
        message: "'mqtt_port' must be between 1 and 65535, not 0"
    ),
    ErrorCase(
        kind: "invalid unknown_gcode",
        toml: """
            [bridge]
            unknown_gcode = "drop"
            """,
        line: 2,
        message: "'unknown_gcode' must be \"passthrough\" or \"reject\", not \"drop\""
    ),
    ErrorCase(
        kind: "invalid hms_language",
        toml: """
            [bridge]
            hms_language = "../en"
            """,
        line: 2,
        message: "'hms_language' must be a language code such as \"en\" or \"de\" (letters, digits, '-', '_'), not \"../en\""
    ),
    ErrorCase(
        kind: "mode not octal",
        toml: """
            [bridge]
            mode = "0689"
            """,
        line: 2,
        message: "'mode' must be octal digits such as \"0660\", not \"0689\""
    ),
    ErrorCase(
        kind: "mode string out of range",
        toml: """
            [bridge]
            mode = "4660"
            """,
        line: 2,
        message: "'mode' must be at most \"0777\", not \"4660\""
    ),
    ErrorCase(
        kind: "mode integer out of range",
        toml: """
            [bridge]
            mode = 660
            """,
        line: 2,
        message: "'mode' must be at most 0o777 (511), not 660; write it as a string such as \"0660\""
    ),
    ErrorCase(
        kind: "mode of the wrong type",
        toml: """
            [bridge]
            mode = true
            """,
        line: 2,
        message: "'mode' must be a string of octal digits such as \"0660\""
    ),
    ErrorCase(
        kind: "relative device_dir",
        toml: """
            [bridge]
            device_dir = "dev/bambu"
            """,
        line: 2,
        message: "'device_dir' must be an absolute path, not \"dev/bambu\""
    ),
    ErrorCase(
        kind: "empty group",
        toml: """
            [bridge]
            group = ""
            """,
        line: 2,
        message: "'group' must not be empty"
    ),
    ErrorCase(
        kind: "listen not host:port",
        toml: """
            [http]
            listen = "8093"
            """,
        line: 2,
        message: "'listen' must be host:port, such as \"127.0.0.1:8093\", not \"8093\""
    ),
    ErrorCase(
        kind: "empty token",
        toml: """
            [http]
            token = ""
            """,
        line: 2,
        message: "'token' must not be empty; remove it to allow clients without a token"
    ),
]

@Test(arguments: errorCases)
func reportsEachErrorKindWithItsLine(_ errorCase: ErrorCase) {
    let diagnostics = Harness.diagnostics(errorCase.toml, fileMode: errorCase.fileMode)
    #expect(
        diagnostics
            == [ConfigDiagnostic(file: Harness.file, line: errorCase.line, message: errorCase.message)]
    )
}

@Test func collectsEveryErrorInFileOrder() {
    let toml = """
        [bridge]
        mode = "0689"
        colour = "blue"

        [[printer]]
        name = "x1c"
        host = "192.0.2.10"
        serial = "00M00A000000000"
        acess_code = "12345678"

        [[printer]]
        name = "x1c"
        host = "192.0.2.11"
        serial = "01P00A000000000"
        access_code_file = "/etc/bambu-serial/loose.code"
        mqtt_port = 99999
        """
    let file = Harness.file
    #expect(
        Harness.diagnostics(toml) == [
            ConfigDiagnostic(
                file: file,
                line: 2,
                message: "'mode' must be octal digits such as \"0660\", not \"0689\""
            ),
            ConfigDiagnostic(file: file, line: 3, message: "unknown key 'colour' in [bridge]"),
            ConfigDiagnostic(
                file: file,
                line: 5,
                message: "missing access code in [[printer]] #1: set 'access_code_file' (recommended) or 'access_code'"
            ),
            ConfigDiagnostic(file: file, line: 9, message: "unknown key 'acess_code' in [[printer]] #1"),
            ConfigDiagnostic(
                file: file,
                line: 12,
                message: "duplicate printer name \"x1c\" (also used by [[printer]] #1)"
            ),
            ConfigDiagnostic(
                file: file,
                line: 15,
                message: "/etc/bambu-serial/loose.code holds an access code and is readable by group or others; "
                    + "run: chmod 600 /etc/bambu-serial/loose.code"
            ),
            ConfigDiagnostic(file: file, line: 16, message: "'mqtt_port' must be between 1 and 65535, not 99999"),
        ]
    )
}

@Test func reportsTheFileModeEvenWhenTheSyntaxIsBroken() {
    let toml = """
        [[printer]]
        access_code = "12345678"
        name = "x1c
        """
    let diagnostics = Harness.diagnostics(toml, fileMode: 0o604)
    #expect(diagnostics.map(\.line) == [2, 3])
    #expect(diagnostics.first?.message.hasPrefix("/etc/bambu-serial/bambu-serial.toml holds an access code") == true)
    #expect(diagnostics.last?.message.hasPrefix("TOML syntax error: ") == true)
}

@Test func findsLinesPastMultilineValuesAndCRLF() {
    let toml =
        "[bridge]\r\nnotes = \"\"\"\r\n[[printer]]\r\nname = \"x\"\r\n\"\"\"\r\nbad = [\r\n  1,\r\n]\r\nworse = 2\r\n"
    #expect(
        Harness.diagnostics(toml) == [
            ConfigDiagnostic(file: Harness.file, line: 2, message: "unknown key 'notes' in [bridge]"),
            ConfigDiagnostic(file: Harness.file, line: 6, message: "unknown key 'bad' in [bridge]"),
            ConfigDiagnostic(file: Harness.file, line: 9, message: "unknown key 'worse' in [bridge]"),
        ]
    )
}

@Test func locatesErrorsInInlinePrinterTablesAtTheirKey() {
    let toml = """
        # inline form
        printer = [{ name = "x1c", host = "h", serial = "00M00A000000000", access_code = 5 }]
        """
    #expect(
        Harness.diagnostics(toml) == [
            ConfigDiagnostic(file: Harness.file, line: 2, message: "'access_code' must be a string")
        ]
    )
}

@Test func acceptsAnInlineAccessCodeInAPrivateFile() throws {
    let toml = """
        [[printer]]
        name = "x1c"
        host = "192.0.2.10"
        serial = "00M00A000000000"
        access_code = "12345678"
        """
    #expect(Harness.diagnostics(toml, fileMode: 0o600).isEmpty)
    #expect(Harness.diagnostics(toml, fileMode: nil).isEmpty)
}

@Test func acceptsAReadableFileWithoutInlineAccessCodes() {
    let toml = """
        [[printer]]
        name = "x1c"
        host = "192.0.2.10"
        serial = "00M00A000000000"
        access_code_file = "/etc/bambu-serial/x1c.code"
        """
    #expect(Harness.diagnostics(toml, fileMode: 0o644).isEmpty)
}

@Test func formatsDiagnosticsLikeACompiler() {
    let located = ConfigDiagnostic(file: "a.toml", line: 3, message: "unknown key 'x' in [bridge]")
    let unlocated = ConfigDiagnostic(file: "a.toml", line: nil, message: "cannot read the configuration file: gone")
    #expect(located.description == "a.toml:3: unknown key 'x' in [bridge]")
    #expect(unlocated.description == "a.toml: cannot read the configuration file: gone")
    #expect(
        ConfigurationError(diagnostics: [located, unlocated]).description
            == "a.toml:3: unknown key 'x' in [bridge]\na.toml: cannot read the configuration file: gone"
    )
}
