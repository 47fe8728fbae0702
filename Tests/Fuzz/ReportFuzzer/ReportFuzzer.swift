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
    /// Status queries run after the report: temperatures, job, position, speed, end stops, listing, ours.
    static let queries = Array("M105\nM27\nM27 C\nM114\nM220\nM221\nM119\nM20\nM115\nM8101\nM8102\nM8103\nM8104\n".utf8)

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let bytes = Array(input.dropFirst())
        var session = baselines[Int(control) % baselines.count]

        if let value = try? JSONValue(parsing: bytes) {
            // Integral doubles serialize without `.0` (as the printer writes them), so compare texts.
            let text = value.serializedBytes
            let again = try? JSONValue(parsing: text)
            fuzzInvariant(again?.serializedBytes == text, "serialized JSON does not parse back to itself: \(value.serialized)")
            var state = session.printer
            let kinds = state.apply(value)
            read(state, model: session.configuration.model)
            // The daemon's path merges straight from the scanned text, with the printer's string cache;
            // from the fixture's state and from an empty one, it must give the same kinds and state.
            var ingested = session.printer
            fuzzInvariant((try? ingested.ingest(bytes)) == kinds, "ingest and parse + apply give other kinds")
            fuzzInvariant(ingested == state, "ingest and plain parse + merge disagree")
            var empty = PrinterState()
            var ingestedIntoEmpty = PrinterState()
            let emptyKinds = empty.apply(value)
            fuzzInvariant((try? ingestedIntoEmpty.ingest(bytes)) == emptyKinds, "ingest into an empty state: other kinds")
            fuzzInvariant(ingestedIntoEmpty == empty, "ingest into an empty state and parse + merge disagree")
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
