// SPDX-License-Identifier: AGPL-3.0-or-later
// Valid configurations parse to exactly the expected values, defaults included.

import BambuModel
import BridgeConfig
import Testing

@Test func emptyFileGivesDefaultsAndNoPrinters() throws {
    #expect(try Harness.parse("") == BridgeConfiguration(bridge: .defaults, http: .defaults, printers: []))
    #expect(try Harness.parse("# nothing yet\n\n[bridge]\n") == BridgeConfiguration())
}

@Test func defaultsAreTheDocumentedOnes() {
    #expect(
        BridgeSettings.defaults
            == BridgeSettings(
                deviceDirectory: "/dev/bambu",
                group: "dialout",
                mode: 0o660,
                unknownGCode: .passthrough,
                stateDirectory: "/var/lib/bambu-serial"
            )
    )
    #expect(HTTPSettings.defaults == HTTPSettings(listen: "127.0.0.1:8093", token: nil))
}

@Test func minimalPrinterParses() throws {
    let toml = """
        [[printer]]
        name = "x1c"
        host = "192.0.2.10"
        serial = "00M00A000000000"
        access_code_file = "/etc/bambu-serial/x1c.code"
        """
    let expected = BridgeConfiguration(
        bridge: .defaults,
        http: .defaults,
        printers: [
            PrinterConfiguration(
                name: "x1c",
                host: "192.0.2.10",
                serial: "00M00A000000000",
                accessCode: Secret("12345678"),
                mqttPort: 8883,
                ftpsPort: 990,
                model: .x1c,
                modelOverridden: false,
                externalChamber: false,
                tls: .pinned,
                enabled: true
            )
        ]
    )
    #expect(try Harness.parse(toml) == expected)
}

@Test func fullConfigurationParses() throws {
    let toml = """
        [bridge]
        device_dir = "/run/bambu"
        group = "octoprint"
        mode = "0640"
        unknown_gcode = "reject"
        state_dir = "/srv/bambu-state"

        [http]
        listen = "[::1]:9000"
        token = "t0ken-t0ken"
        camera_quality = 70
        camera_max_fps = 10
        camera_idle_timeout = 5
        camera_snapshot_timeout = 20

        [[printer]]
        name = "h2d.lab-1"
        host = "printer.example.net"
        serial = "00M00A000000000"
        access_code_file = "/etc/bambu-serial/p1s.code"
        mqtt_port = 18883
        ftps_port = 1990
        model = "H2D_Pro"
        external_chamber = true
        tls = "ca"
        ca_file = "/etc/bambu-serial/bbl-ca.pem"
        enabled = true

        [[printer]]
        name = "p1s"
        host = "192.0.2.11"
        serial = "01P00A000000000"
        access_code = "abcdefgh"
        tls = "insecure"
        enabled = false
        """
    let expected = BridgeConfiguration(
        bridge: BridgeSettings(
            deviceDirectory: "/run/bambu",
            group: "octoprint",
            mode: 0o640,
            unknownGCode: .reject,
            stateDirectory: "/srv/bambu-state"
        ),
        http: HTTPSettings(
            listen: "[::1]:9000", token: Secret("t0ken-t0ken"), cameraQuality: 70, cameraMaxFramesPerSecond: 10,
            cameraIdleTimeoutSeconds: 5, cameraSnapshotTimeoutSeconds: 20),
        printers: [
            PrinterConfiguration(
                name: "h2d.lab-1",
                host: "printer.example.net",
                serial: "00M00A000000000",
                accessCode: Secret("87654321"),
                mqttPort: 18883,
                ftpsPort: 1990,
                model: .h2dPro,
                modelOverridden: true,
                externalChamber: true,
                tls: .ca(file: "/etc/bambu-serial/bbl-ca.pem"),
                enabled: true
            ),
            PrinterConfiguration(
                name: "p1s",
                host: "192.0.2.11",
                serial: "01P00A000000000",
                accessCode: Secret("abcdefgh"),
                mqttPort: 8883,
                ftpsPort: 990,
                model: .p1s,
                modelOverridden: false,
                externalChamber: false,
                tls: .insecure,
                enabled: false
            ),
        ]
    )
    #expect(try Harness.parse(toml) == expected)
}

@Test func modelOverrideAcceptsAnUnknownSerialPrefix() throws {
    let toml = """
        [[printer]]
        name = "future"
        host = "192.0.2.12"
        serial = "ZZZ00A000000000"
        access_code = "12345678"
        model = "a1-mini"
        """
    let printer = try #require(try Harness.parse(toml).printers.first)
    #expect(printer.model == .a1mini)
    #expect(printer.modelOverridden)
}

@Test func inlinePrinterTablesParse() throws {
    let toml = """
        printer = [
            { name = "a1", host = "192.0.2.13", serial = "03900A000000000", access_code = "12345678" },
        ]
        """
    let printers = try Harness.parse(toml).printers
    #expect(printers.map(\.name) == ["a1"])
    #expect(printers.map(\.model) == [.a1])
}

@Test(arguments: [
    ("\"0660\"", UInt32(0o660)),
    ("\"660\"", 0o660),
    ("\"0600\"", 0o600),
    ("\"0\"", 0),
    ("\"0777\"", 0o777),
    ("0o640", 0o640),
    ("420", 0o644),
])
func modeAcceptsOctalStringsAndIntegersAsIs(written: String, mode: UInt32) throws {
    #expect(try Harness.parse("[bridge]\nmode = \(written)").bridge.mode == mode)
}

@Test(arguments: [
    ("127.0.0.1:8093", true),
    ("0.0.0.0:80", true),
    ("localhost:65535", true),
    ("[::1]:8093", true),
    ("[fe80::1%eth0]:1", true),
    ("127.0.0.1", false),
    (":8093", false),
    ("127.0.0.1:", false),
    ("127.0.0.1:0", false),
    ("127.0.0.1:65536", false),
    ("127.0.0.1:http", false),
    ("::1:8093", false),
    ("[::1]8093", false),
    ("[]:8093", false),
    ("my host:8093", false),
])
func listenMustBeHostAndPort(listen: String, valid: Bool) {
    let diagnostics = Harness.diagnostics("[http]\nlisten = \"\(listen)\"")
    #expect(diagnostics.isEmpty == valid)
}

@Test(arguments: [
    ("camera_quality = 0", "'camera_quality' must be from 1 to 100, not 0"),
    ("camera_max_fps = 61", "'camera_max_fps' must be from 1 to 60, not 61"),
    ("camera_idle_timeout = 0", "'camera_idle_timeout' must be from 1 to 86400, not 0"),
    ("camera_snapshot_timeout = 0", "'camera_snapshot_timeout' must be from 1 to 300, not 0"),
    ("camera_snapshot_timeout = 301", "'camera_snapshot_timeout' must be from 1 to 300, not 301"),
])
func cameraSettingsAreBounded(line: String, message: String) {
    let diagnostics = Harness.diagnostics("[http]\n" + line)
    #expect(diagnostics.map(\.message) == [message])
}

@Test(arguments: [
    ("x1c", true),
    ("X1C", true),
    ("printer_2.lab-a", true),
    ("0", true),
    (String(repeating: "a", count: 64), true),
    (String(repeating: "a", count: 65), false),
    ("", false),
    (".hidden", false),
    ("-x", false),
    ("a/b", false),
    ("a b", false),
    ("drucker-ü", false),
])
func namesMustBeUsableAsFileNames(name: String, valid: Bool) {
    let toml = """
        [[printer]]
        name = "\(name)"
        host = "192.0.2.10"
        serial = "00M00A000000000"
        access_code = "12345678"
        """
    #expect(Harness.diagnostics(toml).isEmpty == valid)
}

@Test(arguments: [
    ("00M00A000000000", true),
    ("01P00A123456789", true),
    ("00M00A00000000", false),
    ("00M00A0000000000", false),
    ("00M00a000000000", false),
    ("00M00A00000000-", false),
])
func serialsAreFifteenDigitsAndUpperCaseLetters(serial: String, valid: Bool) {
    let toml = """
        [[printer]]
        name = "x1c"
        host = "192.0.2.10"
        serial = "\(serial)"
        access_code = "12345678"
        """
    #expect(Harness.diagnostics(toml).isEmpty == valid)
}

@Test func accessCodeFileIsTrimmed() throws {
    let toml = """
        [[printer]]
        name = "p1s"
        host = "192.0.2.11"
        serial = "01P00A000000000"
        access_code_file = "/etc/bambu-serial/p1s.code"
        """
    #expect(try Harness.parse(toml).printers.first?.accessCode == Secret("87654321"))
}

@Test func hmsLanguageParsesAndDoesNotReopenPorts() throws {
    let german = try Harness.parse("[bridge]\nhms_language = \"de\"\n")
    #expect(german.bridge.hmsLanguage == "de")
    #expect(BridgeSettings.defaults.hmsLanguage == "en")
    let english = try Harness.parse("[bridge]\n")
    #expect(!german.differences(from: english).bridgeChanged)
    let moved = try Harness.parse("[bridge]\nstate_dir = \"/srv/bambu\"\n")
    #expect(moved.differences(from: english).bridgeChanged)
}
