// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer states the fuzz targets start from: shared fixture reports, or a small built-in one.

package import BambuModel
package import BridgeCore
import Foundation

/// Starting points for the fuzz targets: one merged printer state per fixture model.
///
/// Exists so the handlers the fuzzers reach see a realistic printer (temperatures, AMS units, HMS)
/// without copying the shared fixtures into the repository: they are read at start-up from
/// `$BAMBU_SHARED_DIR/fixtures/reports` (or `../shared` next to the repository), and a small
/// built-in report stands in when they are missing.
package enum FuzzFixtures {
    /// Fixture file per model; the first entry is used when a fuzzer needs one model only.
    package static let files: [(model: PrinterModel, file: String)] = [
        (.x1c, "x1c_multi_ams_pushall.json"),
        (.h2d, "h2d_external_spool_active_pushall.json"),
        (.a1, "a1_ams_lite_pushall.json"),
        (.p1p, "p1p_no_ams_pushall.json"),
        (.x2d, "x2d_pushall_with_hms.json"),
    ]

    /// A small full report used when the shared fixtures are not there.
    static let builtIn = #"""
        {"print":{"command":"push_status","msg":0,"sequence_id":"1","nozzle_temper":24.5,"nozzle_target_temper":0,
        "bed_temper":23.1,"bed_target_temper":0,"chamber_temper":25,"gcode_state":"IDLE","mc_percent":0,
        "mc_remaining_time":0,"spd_lvl":2,"spd_mag":100,"home_flag":6295568,"hms":[],"ams":{"ams":[{"id":"0",
        "humidity":"4","temp":"24.0","tray":[{"id":"0","tray_type":"PLA","tray_color":"FFFFFFFF","remain":80}]}],
        "tray_now":"255"},"lights_report":[{"node":"chamber_light","mode":"on"}],"sdcard":true,"fun":"0"}}
        """#

    /// The messages of a fixture, full reports first, then partials, then version answers.
    package static func messages(_ file: String) -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: reportsDirectory + "/" + file),
            let document = try? JSONValue(parsing: [UInt8](data))
        else { return [Array(builtIn.utf8)] }
        if let array = document.arrayValue { return array.map(\.serializedBytes) }
        guard let wrapper = document.objectValue else { return [Array(builtIn.utf8)] }
        if let message = wrapper["message"] { return [message.serializedBytes] }
        var full: [[UInt8]] = []
        var later: [[UInt8]] = []
        for (key, value) in wrapper where key != "source" && key != "_meta" {
            switch key {
            case "get_version": later.append(wrap(value, in: "info").serializedBytes)
            case "pushall", "push_all": full.append(wrap(value, in: "print").serializedBytes)
            case "deltas": full += (value.arrayValue ?? []).map { wrap($0, in: "print").serializedBytes }
            default: full.append(wrap(value, in: "print").serializedBytes)
            }
        }
        return full + later
    }

    /// A connected session for `model` with the fixture's reports delivered (twice).
    package static func session(_ model: PrinterModel, file: String) -> PrinterSession {
        var session = PrinterSession(
            configuration: SessionConfiguration(printerName: "fuzz", serial: "00M00A000000001", model: model))
        _ = session.handle(.linkUp, at: .zero)
        // Twice, as a printer repeats its full report: the state then remembers the members the second
        // pass sent unchanged (`UnchangedMembers`), and the fuzzed report meets that memo.
        for message in messages(file) + messages(file) { _ = session.handle(.report(message), at: .zero) }
        return session
    }

    private static var reportsDirectory: String {
        if let shared = ProcessInfo.processInfo.environment["BAMBU_SHARED_DIR"], !shared.isEmpty {
            return shared + "/fixtures/reports"
        }
        var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(4)  // Tests/Fuzz/FuzzSupport/FuzzFixtures.swift
        return components.joined(separator: "/") + "/../shared/fixtures/reports"
    }

    private static func wrap(_ value: JSONValue, in module: String) -> JSONValue {
        value[module] != nil ? value : .object(JSONObject([module: value]))
    }
}

/// Stops the fuzzer with a message libFuzzer records as a crash, keeping the input that caused it.
package func fuzzInvariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    guard !condition() else { return }
    FileHandle.standardError.write(Data(("invariant broken: " + message() + "\n").utf8))
    abort()
}

/// Hands control to libFuzzer's driver.
///
/// Exists because SwiftPM links an executable's `main` to the module's own entry point, so the
/// `main` inside libFuzzer is never used: each fuzzer's `@main` calls `LLVMFuzzerRunDriver` instead.
package enum FuzzDriver {
    package typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    package static func run(_ test: TestOneInput) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(llvmFuzzerRunDriver(&argc, &argv, test))
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: FuzzDriver.TestOneInput
) -> CInt
