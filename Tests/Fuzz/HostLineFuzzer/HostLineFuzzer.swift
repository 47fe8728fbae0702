// SPDX-License-Identifier: AGPL-3.0-or-later
// libFuzzer target: host bytes through framing and the whole session dispatch.

import BambuModel
import BridgeCore
import FuzzSupport
import GCode

/// Feeds arbitrary host bytes to a connected session and checks the serial contract.
///
/// Exists because nothing a host writes may crash the daemon, and every line that is not blank
/// must get exactly one `ok` (alone or after an error and a resend), however the bytes arrive.
/// The first input byte picks the printer model and the chunk size; the rest is host output.
enum HostLineFuzzer {
    /// One connected session per fixture model, with its reports applied (value types: each run copies).
    static let baselines: [PrinterSession] = FuzzFixtures.files.map {
        FuzzFixtures.session($0.model, file: $0.file)
    }

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let bytes = Array(input.dropFirst())
        var session = baselines[Int(control & 0x07) % baselines.count]
        let chunk = Int(control >> 3) + 1

        var now = Duration.zero
        var okReplies = 0
        var okLines = 0
        var storageOperations: [Int] = []
        func collect(_ effects: [SessionEffect]) {
            for effect in effects {
                switch effect {
                case .write(let replies):
                    okReplies += replies.filter(\.isAcknowledgement).count
                    let text = String(decoding: replies.wireBytes, as: UTF8.self)
                    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                        if line == "ok" || line.hasPrefix("ok ") { okLines += 1 }
                    }
                case .storage(.delete(let operation, _)), .storage(.finishSpool(let operation, _)):
                    storageOperations.append(operation)
                case .storage, .publish, .log, .camera:
                    break
                }
            }
        }

        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            collect(session.handle(.hostBytes(Array(bytes[start..<end])), at: now))
            // The storage adapter answers every operation the session started.
            let finished = storageOperations
            storageOperations.removeAll()
            for operation in finished { collect(session.handle(.storageFinished(operation: operation, error: nil), at: now)) }
            start = end
        }
        // A final line end, then time runs until every wait ended (each has a deadline); the steps
        // double so that waits of half an hour end in a few dozen ticks.
        collect(session.handle(.hostBytes([0x0A]), at: now))
        let expected = expectedAcknowledgements(bytes + [0x0A])
        var ticks = 0
        var step = Duration.milliseconds(100)
        while okReplies < expected, ticks < 2000, let deadline = session.nextDeadline {
            now = max(now + step, deadline)
            collect(session.handle(.tick, at: now))
            ticks += 1
            step = min(step * 2, .seconds(3600))
        }
        fuzzInvariant(okReplies == expected, "\(okReplies) acknowledgements for \(expected) lines")
        fuzzInvariant(okLines == okReplies, "\(okLines) wire lines look like ok, \(okReplies) acknowledgements")
    }

    /// The lines a host expects an `ok` for: every line the framer does not find empty.
    static func expectedAcknowledgements(_ bytes: [UInt8]) -> Int {
        var assembler = LineAssembler()
        var framer = LineFramer()
        var count = 0
        for line in assembler.push(bytes) {
            switch line {
            case .overlong: count += 1
            case .text(let text): if framer.frame(text) != .empty { count += 1 }
            }
        }
        return count
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func hostLineFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    HostLineFuzzer.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// The entry point: libFuzzer's driver with this target's test function.
@main enum HostLineFuzzerMain {
    static func main() { FuzzDriver.run(hostLineFuzzerTestOneInput) }
}
