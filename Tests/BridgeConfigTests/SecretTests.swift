// SPDX-License-Identifier: AGPL-3.0-or-later
// Access codes and tokens never appear in descriptions, reflection, dumps or diagnostics.

import BridgeConfig
import Testing

private let accessCode = "S3cr3tAc"
private let token = "T0kenV4lue"

private let configuration = """
    [http]
    token = "\(token)"

    [[printer]]
    name = "x1c"
    host = "192.0.2.10"
    serial = "00M00A000000000"
    access_code = "\(accessCode)"
    """

@Test func secretPrintsAsRedacted() {
    let secret = Secret(accessCode)
    #expect(secret.value == accessCode)
    #expect(String(describing: secret) == "<redacted>")
    #expect(String(reflecting: secret) == "<redacted>")
    #expect("\(secret)" == "<redacted>")
    #expect(Mirror(reflecting: secret).children.isEmpty)
}

@Test func parsedConfigurationNeverShowsSecrets() throws {
    let parsed = try Harness.parse(configuration)
    #expect(parsed.printers.first?.accessCode.value == accessCode)
    #expect(parsed.http.token?.value == token)

    var dumped = ""
    dump(parsed, to: &dumped)
    var dumpedPrinter = ""
    dump(parsed.printers, to: &dumpedPrinter)
    let renderings = [
        String(describing: parsed), String(reflecting: parsed), dumped, dumpedPrinter,
        String(describing: parsed.printers), String(reflecting: parsed.printers), "\(parsed.http)",
    ]
    for rendering in renderings {
        #expect(!rendering.contains(accessCode))
        #expect(!rendering.contains(token))
        #expect(rendering.contains("<redacted>"))
    }
}

@Test(arguments: [
    // Readable by others: the permission diagnostic names the file, not the code.
    (configuration, UInt32(0o644)),
    // A syntax error on the line that holds the code.
    ("[[printer]]\naccess_code = \"\(accessCode)\" \"\(accessCode)\"", UInt32(0o600)),
    ("[[printer]]\naccess_code = \"\(accessCode)", UInt32(0o600)),
    // Type and key errors around secrets.
    ("[[printer]]\naccess_code = [\"\(accessCode)\"]\naccess_code_file = \"/x\"", UInt32(0o600)),
    ("[http]\ntoken = { value = \"\(token)\" }", UInt32(0o600)),
])
func diagnosticsNeverShowSecrets(toml: String, fileMode: UInt32) {
    let diagnostics = Harness.diagnostics(toml, fileMode: fileMode)
    #expect(!diagnostics.isEmpty)
    let text = ConfigurationError(diagnostics: diagnostics).description
    #expect(!text.contains(accessCode))
    #expect(!text.contains(token))
}
