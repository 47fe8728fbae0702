// SPDX-License-Identifier: AGPL-3.0-or-later
// Drives a simulated printer and merges what it publishes, as the bridge would.

import BambuModel
import BambuSimulator

/// One simulated printer, a simulated clock, and the bridge's view of everything it published.
///
/// Exists so tests read the simulator through `PrinterState` (the bridge's merge) rather than through
/// its internals: a report that merges wrongly fails the test just as it would fail the bridge.
struct SimulatorHarness {
    var printer: SimulatedPrinter
    var state = PrinterState()
    var now: Duration = .zero
    /// Every message published so far, in order.
    var published: [JSONValue] = []
    private var nextSequence = 100

    /// A printer of `model` that has answered the bridge's opening `get_version` and `pushall` (§1.5).
    init(_ model: PrinterModel) {
        let serial = (model.serialPrefixes.first ?? "000") + "000A00000042"
        printer = SimulatedPrinter(name: "test", model: model, serial: serial)
        send(.getVersion)
        send(.pushAll)
    }

    /// Publishes a raw request; returns (and merges) the answer.
    @discardableResult
    mutating func send(raw request: JSONValue) -> [JSONValue] {
        let answer = printer.handle(request: request, at: now)
        merge(answer)
        return answer
    }

    /// Publishes a request the way the bridge builds it, with the next sequence id.
    @discardableResult
    mutating func send(_ request: BambuRequest) -> [JSONValue] {
        nextSequence += 1
        return send(raw: request.message(sequenceID: nextSequence))
    }

    /// A console change at the current time.
    @discardableResult
    mutating func control(_ change: SimulatorControl) -> [JSONValue] {
        let answer = printer.apply(change, at: now)
        merge(answer)
        return answer
    }

    /// Lets `seconds` pass one second at a time with a periodic report each second; returns the reports.
    @discardableResult
    mutating func run(seconds: Int) -> [JSONValue] {
        var reports: [JSONValue] = []
        for _ in 0..<max(seconds, 0) {
            now += .seconds(1)
            printer.advance(to: now)
            let report = printer.periodicReport()
            merge([report])
            reports.append(report)
        }
        return reports
    }

    /// Runs until `condition` holds on the merged state, at most `limit` seconds; returns the seconds taken.
    mutating func run(upTo limit: Int, until condition: (PrinterState) -> Bool) -> Int? {
        for second in 1...max(limit, 1) {
            run(seconds: 1)
            if condition(state) { return second }
        }
        return nil
    }

    private mutating func merge(_ messages: [JSONValue]) {
        for message in messages { _ = state.apply(message) }
        published += messages
    }
}

extension JSONValue {
    /// The body under the message's only module key (`print`, `system`, `info`…).
    var body: JSONObject? {
        guard case .object(let message) = self, message.count == 1 else { return nil }
        return message.values.first?.objectValue
    }
}
