// SPDX-License-Identifier: AGPL-3.0-or-later
// Tokenising commands and formatting replies.

import GCode
import Testing

@Suite struct GCodeCommandTests {
    @Test(arguments: [
        ("M105", CommandCode.m(105)), ("m104 s215", .m(104)), ("G28", .g(28)), ("T1", .t(1)),
        ("G29.1 X1", .g(29)), ("STATUS", .extended("STATUS")), ("help me", .extended("HELP")),
    ])
    func codes(text: String, code: CommandCode) {
        #expect(GCodeCommand(text)?.code == code)
    }

    @Test func parameters() throws {
        let command = try #require(GCodeCommand("M106 P1 S128"))
        #expect(command.parameters == ["P": "1", "S": "128"])
        #expect(try command.int("S", in: 0...255) == 128)
        let packed = try #require(GCodeCommand("G1X5Y-3.5 F3000"))
        #expect(packed.parameters == ["X": "5", "Y": "-3.5", "F": "3000"])
        #expect(GCodeCommand("M104 s215")?.parameters["S"] == "215")
    }

    /// The byte path (ASCII text) and the scalar path (any text) must read every line alike: random
    /// lines from the characters that matter (letters, digits, blanks, `.`, `-`, `*`, `;`, quotes).
    @Test func asciiAndScalarPathsAgree() {
        let alphabet = Array("GgMmTtSsPpXxNnEe0123456789 \t.-*;\"?_/".utf8)
        var generator = SystemRandomNumberGenerator()
        let fixed = ["", " ", "\t", "M", "M0000000001234 S1", "G29.1", "G29.", "t0", "M104S215T1", "  m117 Hello  World ",
                     "M8152 {\"a\": 1}", "X5Y3", "M0123456789", "help"]
        var lines = fixed
        for _ in 0..<5000 {
            let length = Int.random(in: 0...24, using: &generator)
            lines.append(String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self))
        }
        for line in lines {
            let fast = GCodeCommand(line)
            let general = GCodeCommand(scalarsOf: line)
            #expect(fast == general, "\(line.debugDescription)")
        }
        // Non-ASCII text takes the general path.
        #expect(GCodeCommand("M117 Grüße")?.argumentText == "Grüße")
        #expect(GCodeCommand("M117 Grüße")?.parameters == ["G": "", "R": "", "E": ""])
    }

    @Test func badParameters() throws {
        let command = try #require(GCodeCommand("M104 S-- T9"))
        #expect(throws: CommandError("M104: parameter S needs a number, got '--'")) {
            try command.int("S", in: 0...300)
        }
        #expect(throws: CommandError("M104: T9 is outside 0..1")) { try command.int("T", in: 0...1) }
        let letters = try #require(GCodeCommand("M104 Sabc"))
        #expect(throws: CommandError("M104: parameter S needs a number")) { try letters.int("S", in: 0...300) }
    }

    @Test func argumentText() {
        #expect(GCodeCommand("M118 A1 action:hello")?.argumentText == "A1 action:hello")
        #expect(GCodeCommand("   ") == nil)
    }
}

@Suite struct HostReplyTests {
    @Test(arguments: [
        (HostReply.ok(), "ok"), (.ok("T:1.0 /0.0"), "ok T:1.0 /0.0"), (.echo("x"), "echo:x"),
        (.resend(5), "Resend:5"), (.busy, "echo:busy: processing"), (.action("paused"), "//action:paused"),
        (.comment("hi"), "// hi"), (.echo("a\nb"), "echo:a b"),
    ])
    func text(reply: HostReply, expected: String) {
        #expect(reply.text == expected)
    }

    @Test(arguments: ["ok", "Error:x", "!!", "fatal: x", "rs 5", "Resend:1", "start", "wait", "Cap:X:1", "T:20", "RSSI -55"])
    func reservedFreeTextBecomesComment(text: String) {
        #expect(HostReply.freeText(text) == .comment(text))
    }

    @Test func plainFreeTextStays() {
        #expect(HostReply.freeText("hello world") == .line("hello world"))
    }

    @Test func wireBytesEndEveryLine() {
        #expect([HostReply.echo("a"), .ok()].wireBytes == Array("echo:a\nok\n".utf8))
    }
}
