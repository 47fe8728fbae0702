// SPDX-License-Identifier: AGPL-3.0-or-later
// Session harnesses fed with a shared report fixture.

import BambuModel
import BridgeCore
import BridgeTestSupport

extension SessionHarness {
    /// An online session for `model` that has received every message of the fixture `name`.
    static func fed(_ name: String, model: PrinterModel) throws -> SessionHarness {
        var harness = SessionHarness(model: model)
        for message in try FixtureMessages.load(name) { harness.report(message.serialized) }
        // The first reply makes the host active; an adopted job is announced then, not in later answers.
        harness.line("M114")
        harness.published.removeAll()
        harness.hostOutput = ""
        return harness
    }
}

/// Expectation helpers for one command line.
extension SessionHarness {
    /// Sends `line`; returns what was written and what was published because of it.
    mutating func run(_ line: String) -> (reply: String, published: [String]) {
        let reply = self.line(line)
        return (reply, takePublished())
    }
}
