// SPDX-License-Identifier: AGPL-3.0-or-later
// Marlin framing: line numbers, checksums, M110 and the resend reply.

import GCode
import Testing

@Suite struct LineFramerTests {
    @Test func quotedStarIsTextNotAChecksum() {
        // M8152 JSON: '*' and ';' inside strings (an escaped quote included) stay in the command.
        let json = #"M8152 {"print":{"param":"a*b; \"c*\" d"}}"#
        var framer = LineFramer()
        #expect(framer.frame(Array(json.utf8)) == .command(json))
        // A '*' outside quotes still marks a checksum (here a bad one): the line is not run.
        #expect(framer.frame(Array("M117 a*b".utf8)) == .ignored([.echo("checksum mismatch on a line without a line number; line ignored"), .ok()]))
        // Numbered, with a real checksum after the JSON: accepted, checksum removed.
        let body = "N1 " + json
        let checksum = LineFramer.checksum(of: Array(body.utf8))
        #expect(framer.frame(Array((body + "*\(checksum)").utf8)) == .command(json))
        // A well-formed checksum after a quote that never closes still counts (M117 "abc*34).
        let open = #"N2 M117 "abc"#
        let openChecksum = LineFramer.checksum(of: Array(open.utf8))
        #expect(framer.frame(Array((open + "*\(openChecksum)").utf8)) == .command(#"M117 "abc"#))
    }

    private func frame(_ lines: [String]) -> [LineFramer.Outcome] {
        var framer = LineFramer()
        return lines.map { framer.frame(Array($0.utf8)) }
    }

    @Test(arguments: [
        ("N0 M110 N0", 125), ("N1 M115", 39), ("N2 M21", 18), ("N3 M105", 36), ("N-1 M110 N-1", 125),
        ("N0M110", 3), ("N1 M105", 38), ("N2 G28", 17), ("N1 M110 N0", 124), ("N12G1 X5", 118),
    ])
    func checksum(line: String, expected: Int) {
        #expect(Int(LineFramer.checksum(of: Array(line.utf8))) == expected)
    }

    @Test func helloBurstIsAccepted() {
        #expect(frame(["N0 M110 N0*125", "N0 M110 N0*125"]) == [.command("M110 N0"), .command("M110 N0")])
    }

    @Test(arguments: ["", "   ", "\t", "; comment", "   ; indented comment"])
    func blankAndCommentLinesAreEmpty(line: String) {
        #expect(frame([line]) == [.empty])
    }

    @Test func commentIsStripped() {
        #expect(frame(["G28 ; home all"]) == [.command("G28")])
        #expect(frame(["M117 \"a;b\" ; note"]) == [.command("M117 \"a;b\"")])
    }

    @Test func numberedLinesAdvance() {
        #expect(
            frame(["N0 M110 N0*125", "N1 M115*39", "N2 M21*18", "N3 M105*36"])
                == [.command("M110 N0"), .command("M115"), .command("M21"), .command("M105")])
    }

    @Test func wrongChecksumAsksForResend() {
        let outcomes = frame(["N0 M110 N0*125", "N1 M115*40"])
        #expect(
            outcomes[1]
                == .rejected([.error("checksum mismatch, Last Line: 0"), .resend(1), .ok()]))
    }

    @Test func missingChecksumAsksForResend() {
        let outcomes = frame(["N0 M110 N0*125", "N1 M115"])
        #expect(outcomes[1] == .rejected([.error("No Checksum with line number, Last Line: 0"), .resend(1), .ok()]))
    }

    @Test func skippedNumberAsksForResend() {
        let outcomes = frame(["N0 M110 N0*125", "N1 M115*39", "N3 M105*36"])
        #expect(
            outcomes[2]
                == .rejected([.error("Line Number is not Last Line Number+1, Last Line: 1"), .resend(2), .ok()]))
    }

    @Test func crossedDuplicateIsNotExecuted() {
        let outcomes = frame(["N0 M110 N0*125", "N1 M115*39", "N2 M21*18", "N2 M21*18", "N1 M115*39"])
        #expect(outcomes[3] == .duplicate)
        #expect(outcomes[4] == .duplicate)
    }

    @Test func printrunNegativeStart() {
        #expect(frame(["N-1 M110 N-1*125", "N0 M105*39"]) == [.command("M110 N-1"), .command("M105")])
    }

    @Test func curaNoSpaceForm() {
        var framer = LineFramer()
        _ = framer.frame(Array("M110 N11".utf8))
        #expect(framer.lastLineNumber == 11)
        #expect(framer.frame(Array("N12G1 X5*118".utf8)) == .command("G1 X5"))
        #expect(framer.lastLineNumber == 12)
    }

    @Test func m110SetsTheSecondNumber() {
        var framer = LineFramer()
        #expect(framer.frame(Array("N0 M110 N7*\(checksum("N0 M110 N7"))".utf8)) == .command("M110 N7"))
        #expect(framer.lastLineNumber == 7)
        #expect(framer.frame(Array("N8 M105*\(checksum("N8 M105"))".utf8)) == .command("M105"))
    }

    @Test func bareLinesDoNotTouchTheNumber() {
        var framer = LineFramer()
        _ = framer.frame(Array("N0 M110 N0*125".utf8))
        #expect(framer.frame(Array("M105".utf8)) == .command("M105"))
        #expect(framer.frame(Array("N1 M115*39".utf8)) == .command("M115"))
    }

    @Test func bareLineWithBadChecksumIsIgnored() {
        #expect(
            frame(["M105*1"])
                == [.ignored([.echo("checksum mismatch on a line without a line number; line ignored"), .ok()])])
        #expect(frame(["M105*\(checksum("M105"))"]) == [.command("M105")])
    }

    @Test func binaryGarbageBecomesQuestionMarks() {
        var framer = LineFramer()
        #expect(framer.frame([0xFF, 0x00, 0x1B, 0x41]) == .command("???A"))
    }

    private func checksum(_ text: String) -> Int { Int(LineFramer.checksum(of: Array(text.utf8))) }
}

@Suite struct LineAssemblerTests {
    /// The assembler byte by byte, as it was written first: the scanning version must match it.
    private struct ByteByByte {
        let limit: Int
        var buffer: [UInt8] = []
        var droppedLength = 0

        mutating func push(_ bytes: [UInt8]) -> [LineAssembler.Line] {
            var lines: [LineAssembler.Line] = []
            for byte in bytes {
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                    if droppedLength > 0 {
                        lines.append(.overlong(length: droppedLength))
                        droppedLength = 0
                    } else {
                        lines.append(.text(buffer))
                    }
                    buffer.removeAll()
                } else if droppedLength > 0 {
                    droppedLength += 1
                } else if buffer.count >= limit {
                    droppedLength = buffer.count + 1
                    buffer.removeAll()
                } else {
                    buffer.append(byte)
                }
            }
            return lines
        }
    }

    @Test(arguments: [1, 2, 5, 16])
    func scanningMatchesByteByByteForAnyChunking(limit: Int) {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x0A, 0x0D, 0x4D, 0x31, 0x20, 0x00, 0xFF]
        for _ in 0..<2000 {
            var reference = ByteByByte(limit: limit)
            var assembler = LineAssembler(limit: limit)
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let chunk = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                }
                #expect(assembler.push(chunk) == reference.push(chunk), "\(chunk)")
            }
        }
    }

    @Test func splitsOnEveryTerminator() {
        var assembler = LineAssembler()
        #expect(
            assembler.push(Array("M105\nM115\r\nG28\r".utf8))
                == [.text(Array("M105".utf8)), .text(Array("M115".utf8)), .text([]), .text(Array("G28".utf8))])
    }

    @Test func joinsPieces() {
        var assembler = LineAssembler()
        #expect(assembler.push(Array("M1".utf8)).isEmpty)
        #expect(assembler.push(Array("05\n".utf8)) == [.text(Array("M105".utf8))])
    }

    @Test func overlongLineIsReportedOnceAndRecovers() {
        var assembler = LineAssembler(limit: 8)
        #expect(assembler.push(Array("0123456789ABCDEF".utf8)).isEmpty)
        #expect(assembler.push(Array("\nM105\n".utf8)) == [.overlong(length: 16), .text(Array("M105".utf8))])
    }
}
