// SPDX-License-Identifier: AGPL-3.0-or-later
// Finds the line of each table header and key in the TOML text, for diagnostics only.

/// The line on which each table header and key of a TOML document is written.
///
/// Exists because TOMLKit reports positions only for syntax errors, while every semantic error also needs
/// `file:line`. This is a small line scanner, not a second parser: it follows `[table]` and `[[array]]`
/// headers (numbering array elements `printer#1`, `printer#2`, …), `key =` lines, and skips strings,
/// comments and multi-line values so that text inside them is never taken for a key. Its answers are
/// used only to place diagnostics; values always come from TOMLKit.
struct SourceIndex {
    /// First line of each path: `bridge`, `bridge.mode`, `printer` (first header), `printer#2.name`.
    private var lines: [String: Int] = [:]
    /// Number of `[[name]]` headers seen so far, by raw dotted name.
    private var arrayCounts: [String: Int] = [:]
    /// Lines of `access_code = …` keys, in file order.
    private(set) var accessCodeLines: [Int] = []
    /// Inline secrets (`access_code`, `token`) as written, so a syntax error message can be redacted.
    private(set) var secretValues: [String] = []

    /// Keys whose values must never be echoed.
    private static let secretKeys: Set<String> = ["access_code", "token"]

    /// Scans `text`.
    init(text: String) {
        var section = ""
        var scanner = ValueScanner()
        for (offset, line) in Self.lines(of: text).enumerated() {
            let number = offset + 1
            if scanner.isInsideValue {
                scanner.scan(line)
                continue
            }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("\r") { continue }
            if trimmed.hasPrefix("[[") {
                section = registerHeader(trimmed.dropFirst(2), isArray: true, line: number)
            } else if trimmed.hasPrefix("[") {
                section = registerHeader(trimmed.dropFirst(), isArray: false, line: number)
            } else if let (key, value) = Self.splitKey(trimmed) {
                let path = Self.keyPath(section, key.joined(separator: "."))
                record(path, line: number)
                if let last = key.last, Self.secretKeys.contains(last) {
                    if last == "access_code" { accessCodeLines.append(number) }
                    if let secret = Self.quotedPrefix(value), !secret.isEmpty { secretValues.append(secret) }
                }
                scanner.scan(value)
            }
        }
    }

    /// Splits at line feeds only (`\r\n` is one `Character`), counting lines as TOMLKit does.
    private static func lines(of text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// The line of `path`, or of the nearest enclosing path that was written down (an inline table's key,
    /// the table header), or `nil`.
    func line(_ path: String) -> Int? {
        var candidate = Substring(path)
        while true {
            if let line = lines[String(candidate)] { return line }
            let lastComponent = candidate.lastIndex(of: ".").map { candidate.index(after: $0) } ?? candidate.startIndex
            if let hash = candidate[lastComponent...].lastIndex(of: "#") {
                candidate = candidate[..<hash]  // `printer#2` written inline: fall back to the `printer` key
            } else if let dot = candidate.lastIndex(of: ".") {
                candidate = candidate[..<dot]
            } else {
                return nil
            }
        }
    }

    /// The index path of the `ordinal`-th (1-based) element of the array of tables `name`.
    static func elementPath(_ name: String, ordinal: Int) -> String { "\(name)#\(ordinal)" }

    /// The index path of `key` inside the table at `table` (`""` for the root).
    static func keyPath(_ table: String, _ key: String) -> String { table.isEmpty ? key : table + "." + key }

    /// Records a header and returns the section path its keys belong to.
    private mutating func registerHeader(_ afterBracket: Substring, isArray: Bool, line: Int) -> String {
        let closing = isArray ? "]]" : "]"
        let body = afterBracket.firstRange(of: closing).map { afterBracket[..<$0.lowerBound] } ?? afterBracket
        let components = Self.keyComponents(body)
        guard !components.isEmpty else { return "" }
        var resolved: [String] = []
        for (position, component) in components.enumerated() {
            let raw = components[...position].joined(separator: ".")
            let isLast = position == components.count - 1
            if isLast && isArray {
                let count = (arrayCounts[raw] ?? 0) + 1
                arrayCounts[raw] = count
                record(raw, line: line)
                resolved.append(Self.elementPath(component, ordinal: count))
            } else if let count = arrayCounts[raw] {
                resolved.append(Self.elementPath(component, ordinal: count))
            } else {
                resolved.append(component)
            }
        }
        let path = resolved.joined(separator: ".")
        record(path, line: line)
        return path
    }

    /// Remembers the first line a path appears on.
    private mutating func record(_ path: String, line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// Splits `key = value` at the first `=` outside quotes; `nil` if the line has none.
    private static func splitKey(_ line: Substring) -> ([String], Substring)? {
        var quote: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                let components = keyComponents(line[..<index])
                guard !components.isEmpty else { return nil }
                return (components, line[line.index(after: index)...])
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// Splits a dotted key (`a."b.c".d`) into its components, without quotes and surrounding blanks.
    private static func keyComponents(_ text: Substring) -> [String] {
        var components: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                components.append(current)
                current = ""
            } else if character != " " && character != "\t" {
                current.append(character)
            }
        }
        components.append(current)
        return components.allSatisfy(\.isEmpty) ? [] : components
    }

    /// The content of a single-line string at the start of `value`, if it starts with one.
    private static func quotedPrefix(_ value: Substring) -> String? {
        let trimmed = value.drop(while: { $0 == " " || $0 == "\t" })
        guard let open = trimmed.first, open == "\"" || open == "'" else { return nil }
        let rest = trimmed.dropFirst()
        guard let close = rest.firstIndex(of: open) else { return String(rest) }
        return String(rest[..<close])
    }
}

/// Follows a TOML value across lines: strings (including multi-line ones), comments and bracket depth.
///
/// Exists so `SourceIndex` knows when a line belongs to a value that started earlier (a multi-line
/// string or array), whose text must not be read as keys or headers.
private struct ValueScanner {
    /// The delimiter of an open multi-line string (`"""` or `'''`).
    private var openMultiline: String?
    /// Open `[` and `{` not yet closed.
    private var depth = 0

    /// Whether the next line continues a value.
    var isInsideValue: Bool { openMultiline != nil || depth > 0 }

    /// Consumes one line (or the value part of a `key =` line).
    mutating func scan(_ text: Substring) {
        var rest = text
        while !rest.isEmpty {
            if let delimiter = openMultiline {
                guard let end = rest.firstRange(of: delimiter) else { return }
                rest = rest[end.upperBound...]
                openMultiline = nil
                continue
            }
            if rest.hasPrefix("\"\"\"") || rest.hasPrefix("'''") {
                openMultiline = String(rest.prefix(3))
                rest = rest.dropFirst(3)
                continue
            }
            guard let character = rest.first else { return }
            rest = rest.dropFirst()
            switch character {
            case "#":
                return
            case "\"":
                rest = Self.skipBasicString(rest)
            case "'":
                rest = rest.firstIndex(of: "'").map { rest[rest.index(after: $0)...] } ?? rest[rest.endIndex...]
            case "[", "{":
                depth += 1
            case "]", "}":
                depth = max(0, depth - 1)
            default:
                break
            }
        }
    }

    /// The text after the closing quote of a basic string whose opening quote was just consumed.
    private static func skipBasicString(_ text: Substring) -> Substring {
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\\" {
                index = text.index(after: index)
                if index < text.endIndex { index = text.index(after: index) }
                continue
            }
            if character == "\"" { return text[text.index(after: index)...] }
            index = text.index(after: index)
        }
        return text[text.endIndex...]
    }
}
