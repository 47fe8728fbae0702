// SPDX-License-Identifier: AGPL-3.0-or-later
// Drives a PrinterSession with explicit time and collects host output and published payloads.

import BambuModel
import BridgeCore
import GCode

/// A session under test: send lines, move time, read back exact bytes.
struct SessionHarness {
    var session: PrinterSession
    var now: Duration = .zero
    /// Everything written to the host, as text.
    var hostOutput = ""
    /// Every payload published, in order.
    var published: [String] = []
    /// Every write, one element per write.
    var writes: [String] = []
    /// Storage requests, in order.
    var storage: [StorageCommand] = []
    /// Camera requests, in order.
    var camera: [CameraCommand] = []

    init(model: PrinterModel = .x1c, policy: SessionConfiguration.UnknownCodePolicy = .passthrough,
         online: Bool = true, serial: String = "00M00A000000000", downloadDirectory: String? = nil,
         wallClockAtStart: Int64? = nil) {
        session = PrinterSession(
            configuration: SessionConfiguration(
                printerName: "test", serial: serial, model: model, unknownCodePolicy: policy,
                downloadDirectory: downloadDirectory, wallClockAtStart: wallClockAtStart))
        if online {
            handle(.linkUp)
            published.removeAll()
        }
    }

    /// Handles an event and returns what was written to the host by it.
    @discardableResult
    mutating func handle(_ event: SessionEvent) -> String {
        var written = ""
        for effect in session.handle(event, at: now) {
            switch effect {
            case .write(let replies):
                let text = String(decoding: replies.wireBytes, as: UTF8.self)
                written += text
                writes.append(text)
            case .publish(let request): published.append(request.payload)
            case .storage(let command): storage.append(command)
            case .camera(let command): camera.append(command)
            case .log: break
            }
        }
        hostOutput += written
        return written
    }

    /// Sends raw bytes as the host would write them and returns the reply text.
    @discardableResult
    mutating func send(_ text: String) -> String { handle(.hostBytes(Array(text.utf8))) }

    /// Sends one line with `\n`.
    @discardableResult
    mutating func line(_ text: String) -> String { send(text + "\n") }

    /// Delivers a report from the printer.
    @discardableResult
    mutating func report(_ json: String) -> String { handle(.report(Array(json.utf8))) }

    /// Moves time forward in steps, ticking whenever the session asked to be woken.
    @discardableResult
    mutating func advance(_ duration: Duration) -> String {
        let end = now + duration
        var written = ""
        while let deadline = session.nextDeadline, deadline <= end {
            now = max(now, deadline)
            written += handle(.tick)
        }
        now = end
        return written
    }

    /// Delivers a storage listing.
    @discardableResult
    mutating func listing(_ files: [StoredFile]) -> String { handle(.storageListed(files)) }

    /// Published payloads since the last call.
    mutating func takePublished() -> [String] {
        defer { published.removeAll() }
        return published
    }
}
