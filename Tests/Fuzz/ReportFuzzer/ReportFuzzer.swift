// SPDX-License-Identifier: AGPL-3.0-or-later
// libFuzzer target: report bytes through the JSON parser, the merge and every accessor.

import BambuModel
import BridgeCore
import FuzzSupport
import GCode

/// Feeds arbitrary bytes as a printer report and reads everything the bridge derives from it.
///
/// Exists because reports come from the network: whatever a printer (or anything that can publish
/// on its topic) sends must neither crash the parser, the merge, nor the status queries, and a
/// parsed document must serialize to text that parses and serializes to the same text.
enum ReportFuzzer {
    static let baselines: [PrinterSession] = FuzzFixtures.files.map {
        FuzzFixtures.session($0.model, file: $0.file)
    }
    /// Each baseline's fixture messages, sent again after the fuzzed report.
    static let baselineMessages: [[[UInt8]]] = FuzzFixtures.files.map { FuzzFixtures.messages($0.file) }
    /// Status queries run after the report: temperatures, job, position, speed, end stops, listing, ours.
    static let queries = Array("M105\nM27\nM27 C\nM114\nM220\nM221\nM119\nM20\nM115\nM8101\nM8102\nM8103\nM8104\n".utf8)

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let bytes = Array(input.dropFirst())
        let baseline = Int(control) % baselines.count
        var session = baselines[baseline]

        if let value = try? JSONValue(parsing: bytes) {
            // Integral doubles serialize without `.0` (as the printer writes them), so compare texts.
            let text = value.serializedBytes
            let again = try? JSONValue(parsing: text)
            fuzzInvariant(again?.serializedBytes == text, "serialized JSON does not parse back to itself: \(value.serialized)")
            var state = session.printer
            _ = state.apply(value)
            read(state, model: session.configuration.model)
            // The daemon's path merges straight from the scanned text, with the printer's string cache.
            // From the fixture's state and from an empty one, once and again (the second time it finds
            // its own values stored), it must give the same kinds and the very same state, byte for byte.
            for start in [session.printer, PrinterState()] {
                var plain = start
                var ingested = start
                for _ in 0..<2 {
                    let plainKinds = plain.apply(value)
                    fuzzInvariant((try? ingested.ingest(bytes)) == plainKinds, "ingest and parse + apply give other kinds")
                    fuzzInvariant(
                        JSONValue.object(ingested.print).isIdentical(to: .object(plain.print))
                            && ingested.versionModules == plain.versionModules,
                        "ingest and plain parse + merge disagree")
                }
                // The fixture's reports again: members the state remembered must be read again where
                // the fuzzed report changed them.
                for message in baselineMessages[baseline] {
                    let plainKinds = (try? JSONValue(parsing: message)).map { plain.apply($0) }
                    fuzzInvariant((try? ingested.ingest(message)) == plainKinds, "ingest and parse + apply give other kinds")
                    fuzzInvariant(
                        JSONValue.object(ingested.print).isIdentical(to: .object(plain.print))
                            && ingested.versionModules == plain.versionModules,
                        "the fixture's reports after the fuzzed one merge otherwise than parse + apply")
                }
            }
        } else {
            // Not JSON: ingest refuses it too and changes nothing.
            var ingested = session.printer
            fuzzInvariant((try? ingested.ingest(bytes)) == nil, "ingest accepted a text the parser refuses")
            fuzzInvariant(ingested == session.printer, "a refused text changed the state")
        }
        _ = session.handle(.report(bytes), at: .zero)
        read(session.printer, model: session.configuration.model)
        let effects = session.handle(.hostBytes(queries), at: .seconds(1))
        var acknowledgements = 0
        for case .write(let replies) in effects { acknowledgements += replies.filter(\.isAcknowledgement).count }
        fuzzInvariant(acknowledgements == 13, "\(acknowledgements) acknowledgements for 13 status queries")
    }

    /// Touches every accessor the bridge uses.
    static func read(_ state: PrinterState, model: PrinterModel) {
        var sink = 0
        sink &+= state.nozzleTemperatures.count
        sink &+= state.bedTemperature == nil ? 0 : 1
        sink &+= state.chamberTemperature == nil ? 0 : 1
        sink &+= state.activeExtruder
        sink &+= state.gcodeState?.count ?? 0
        sink &+= state.progressPercent ?? 0
        sink &+= state.remainingMinutes ?? 0
        sink &+= state.layer ?? 0
        sink &+= state.totalLayers ?? 0
        sink &+= state.stage ?? 0
        sink &+= state.subtaskName?.count ?? 0
        sink &+= state.gcodeFile?.count ?? 0
        sink &+= state.printError
        sink &+= state.speedLevel ?? 0
        sink &+= state.speedPercent ?? 0
        sink &+= state.lights.count
        for fan in Fan.allCases { sink &+= state.fanPercent(fan) ?? 0 }
        sink &+= state.hms.map { $0.displayCode.count + $0.moduleName.count }.reduce(0, &+)
        sink &+= state.amsUnits.count
        sink &+= state.externalSpools.count
        sink &+= state.trayNow ?? 0
        sink &+= state.sdCardPresent == true ? 1 : 0
        sink &+= state.signatureRequired ? 1 : 0
        sink &+= state.wifiSignal?.count ?? 0
        sink &+= state.nozzleDiameter?.count ?? 0
        sink &+= state.nozzleType?.count ?? 0
        sink &+= state.homeFlag ?? 0
        sink &+= state.firmwareVersion?.count ?? 0
        sink &+= state.productName?.count ?? 0
        sink &+= TemperatureReport.line(for: state, model: model).count
        sink &+= TemperatureReport.line(for: state, model: model, externalChamber: true).count
        blackHole(sink)
    }

    @inline(never) static func blackHole(_ value: Int) { if value == 0x7fff_ffff_ffff { print(value) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func reportFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ReportFuzzer.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// The entry point: libFuzzer's driver with this target's test function.
@main enum ReportFuzzerMain {
    static func main() { FuzzDriver.run(reportFuzzerTestOneInput) }
}
