// SPDX-License-Identifier: AGPL-3.0-or-later
// One host command after framing: its code, parameters and raw text.

/// A command line the host sent, with the line number and checksum already removed.
///
/// Exists to give handlers typed access to parameters (`S215`, `P1`, `T0`) and to the raw text
/// that `gcode_line` passthrough and free-text codes (`M117`, `M118`, `M23`) need.
package struct GCodeCommand: Sendable, Equatable {
    /// The command code.
    package var code: CommandCode
    /// The whole command as received (comment and framing removed), e.g. `M104 S215`.
    package var text: String
    /// Everything after the code, with leading spaces removed, e.g. `S215` or `A1 hello`.
    package var argumentText: String
    /// Parameters by upper-case letter; a letter without a value maps to an empty string.
    package var parameters: [Character: String]

    /// Parses a framed command; returns nil for text that is not a command (only whitespace).
    ///
    /// Framed lines are ASCII (the framer turns every other byte into `?`) and take a path on their
    /// bytes; text with other characters takes the general one on Unicode scalars (`init(scalarsOf:)`).
    /// The two agree on ASCII text (`GCodeCommandTests`); the byte path is several times faster, and
    /// every host line is parsed here (BENCHMARKS.md, benchmark 1).
    package init?(_ text: String) {
        let bytes = Array(text.utf8)
        if bytes.allSatisfy({ $0 < 0x80 }) {
            guard let parsed = Self.parse(ascii: bytes) else { return nil }
            self = parsed
        } else {
            self.init(scalarsOf: text)
        }
    }

    private init(code: CommandCode, text: String, argumentText: String, parameters: [Character: String]) {
        self.code = code
        self.text = text
        self.argumentText = argumentText
        self.parameters = parameters
    }

    /// The byte path of `init(_:)` for ASCII text.
    private static func parse(ascii bytes: [UInt8]) -> GCodeCommand? {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        func upper(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte - 0x20 : byte }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

        var index = 0
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        guard index < bytes.count else { return nil }
        let start = index
        let letter = upper(bytes[index])
        var numberEnd = index + 1
        while numberEnd < bytes.count, isDigit(bytes[numberEnd]) { numberEnd += 1 }
        let code: CommandCode
        let digitCount = numberEnd - index - 1
        if letter == UInt8(ascii: "G") || letter == UInt8(ascii: "M") || letter == UInt8(ascii: "T"), digitCount > 0 {
            // At most nine digits count, as in the general path.
            var number = 0
            for byte in bytes[(index + 1)..<min(numberEnd, index + 10)] { number = number * 10 + Int(byte - 0x30) }
            var afterCode = numberEnd
            if afterCode + 1 < bytes.count, bytes[afterCode] == UInt8(ascii: "."), isDigit(bytes[afterCode + 1]) {
                afterCode += 1
                while afterCode < bytes.count, isDigit(bytes[afterCode]) { afterCode += 1 }
            }
            switch letter {
            case UInt8(ascii: "G"): code = .g(number)
            case UInt8(ascii: "M"): code = .m(number)
            default: code = .t(number)
            }
            index = afterCode
        } else {
            var wordEnd = index
            while wordEnd < bytes.count, !isBlank(bytes[wordEnd]) { wordEnd += 1 }
            code = .extended(String(decoding: bytes[index..<wordEnd].map(upper), as: UTF8.self))
            index = wordEnd
        }
        let whole = text(start..<bytes.count)
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        let arguments = text(index..<bytes.count)
        var parameters: [Character: String] = [:]
        while index < bytes.count {
            guard isLetter(bytes[index]) else {
                index += 1
                continue
            }
            let key = Character(Unicode.Scalar(upper(bytes[index])))
            var end = index + 1
            while end < bytes.count, !isLetter(bytes[end]), !isBlank(bytes[end]) { end += 1 }
            if parameters[key] == nil { parameters[key] = text((index + 1)..<end) }
            index = end
        }
        return GCodeCommand(code: code, text: whole, argumentText: arguments, parameters: parameters)
    }

    /// The general path of `init(_:)`, on Unicode scalars; `package` so tests can compare the two.
    package init?(scalarsOf text: String) {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        guard index < scalars.count else { return nil }
        let start = index
        let letter = Character(scalars[index]).uppercased()
        var numberEnd = index + 1
        while numberEnd < scalars.count, ("0"..."9").contains(scalars[numberEnd]) { numberEnd += 1 }
        let digits = String(String.UnicodeScalarView(scalars[(index + 1)..<numberEnd]))
        if ["G", "M", "T"].contains(letter), !digits.isEmpty, let number = Int(digits.prefix(9)) {
            // Marlin subcodes (G29.1) stay in the text; the code is the integer part.
            var afterCode = numberEnd
            if afterCode + 1 < scalars.count, scalars[afterCode] == ".",
                ("0"..."9").contains(scalars[afterCode + 1])
            {
                afterCode += 1
                while afterCode < scalars.count, ("0"..."9").contains(scalars[afterCode]) { afterCode += 1 }
            }
            switch letter {
            case "G": code = .g(number)
            case "M": code = .m(number)
            default: code = .t(number)
            }
            index = afterCode
        } else {
            var wordEnd = index
            while wordEnd < scalars.count, scalars[wordEnd] != " ", scalars[wordEnd] != "\t" { wordEnd += 1 }
            code = .extended(String(String.UnicodeScalarView(scalars[index..<wordEnd])).uppercased())
            index = wordEnd
        }
        self.text = String(String.UnicodeScalarView(scalars[start...]))
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        argumentText = String(String.UnicodeScalarView(scalars[index...]))
        parameters = Self.parseParameters(scalars[index...])
    }

    /// Splits `S215 T1`, `X5Y3` or `P1 S128` into letter → value.
    private static func parseParameters(_ scalars: ArraySlice<Unicode.Scalar>) -> [Character: String] {
        var result: [Character: String] = [:]
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            guard scalar.properties.isAlphabetic, scalar.isASCII else {
                index += 1
                continue
            }
            let letter = Character(scalar).uppercased().first ?? Character(scalar)
            var end = index + 1
            while end < scalars.endIndex, !scalars[end].properties.isAlphabetic, scalars[end] != " ",
                scalars[end] != "\t"
            {
                end += 1
            }
            if result[letter] == nil {
                result[letter] = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
            }
            index = end
        }
        return result
    }

    /// True when the parameter letter is present (with or without a value).
    package func has(_ letter: Character) -> Bool { parameters[letter] != nil }

    /// A numeric parameter, or `nil` when absent.
    /// - Throws: `CommandError` when present but not a number or outside `range`.
    package func double(_ letter: Character, in range: ClosedRange<Double>) throws(CommandError) -> Double? {
        guard let raw = parameters[letter] else { return nil }
        guard let value = Double(raw), value.isFinite else {
            throw CommandError(
                raw.isEmpty
                    ? "\(code): parameter \(letter) needs a number"
                    : "\(code): parameter \(letter) needs a number, got '\(raw)'")
        }
        guard range.contains(value) else {
            throw CommandError(
                "\(code): \(letter)\(raw) is outside \(Self.format(range.lowerBound))..\(Self.format(range.upperBound))"
            )
        }
        return value
    }

    /// An integer parameter (decimals are rounded), or `nil` when absent.
    /// - Throws: `CommandError` when present but not a number or outside `range`.
    package func int(_ letter: Character, in range: ClosedRange<Int>) throws(CommandError) -> Int? {
        guard let value = try double(letter, in: Double(range.lowerBound)...Double(range.upperBound)) else {
            return nil
        }
        return Int(value.rounded())
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A command the host sent that cannot be carried out as given.
///
/// Exists to separate "bad parameter / not now" (answered to the host with an `echo:` line and
/// `ok`, never `Error:`, serial-host.md §11) from bugs.
package struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text shown to the host after `echo:`.
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension GCodeCommand {
    /// Parameters split at spaces, so values may be words: `Dai S1 Hmedium` → D `ai`, S `1`, H `medium`.
    ///
    /// The standard parser ends a value at the next letter (Marlin's `X5Y3`), which cuts word values;
    /// codes that take words read them here. The first occurrence of a letter wins.
    package var wordParameters: [Character: String] {
        var result: [Character: String] = [:]
        for word in argumentText.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let first = word.first, first.isASCII, first.isLetter else { continue }
            let letter = Character(first.uppercased())
            if result[letter] == nil { result[letter] = String(word.dropFirst()) }
        }
        return result
    }

    /// This command with `wordParameters` as its parameters, so `int`/`double` read word-split values
    /// with their usual messages.
    package var spaced: GCodeCommand {
        var copy = self
        copy.parameters = wordParameters
        return copy
    }

    /// The raw text after a parameter letter, `nil` when absent (for word values such as `Sresume`).
    package func word(_ letter: Character) -> String? { parameters[letter] }

    /// A 0/1 switch, `nil` when absent.
    /// - Throws: `CommandError` when present but not 0 or 1.
    package func flag(_ letter: Character) throws(CommandError) -> Bool? {
        try int(letter, in: 0...1).map { $0 == 1 }
    }
}
