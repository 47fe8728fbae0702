// SPDX-License-Identifier: AGPL-3.0-or-later
// The objects of each plate, from a sliced 3MF's Metadata/slice_info.config.

/// The plates of a sliced 3MF and the objects on each.
///
/// Exists because `skip_objects` takes the `identify_id` of objects (bambu-lan.md §2.18, §3.8) and
/// users need their names to pick one. The file is small XML written by the vendor's slicer:
/// `<plate>` → `<metadata key="index" value="1"/>` and `<object identify_id="…" name="…" skipped="…"/>`.
/// The core may not use Foundation's XML parser, so this reads just those elements with a tiny
/// tag scanner; everything else in the file is skipped.
package struct SliceInfo: Sendable, Equatable {
    /// One object on a plate.
    package struct Object: Sendable, Equatable {
        package var id: Int
        package var name: String
        /// Skipped already when the file was written (the slicer's own flag).
        package var skipped: Bool

        package init(id: Int, name: String, skipped: Bool = false) {
            self.id = id
            self.name = name
            self.skipped = skipped
        }
    }

    /// One plate.
    package struct Plate: Sendable, Equatable {
        /// The 1-based plate index (`metadata key="index"`), nil when the file leaves it out.
        package var index: Int?
        package var objects: [Object]
    }

    package var plates: [Plate]

    /// Reads the plates from the file's bytes (UTF-8).
    package init(parsing bytes: [UInt8]) {
        var plates: [Plate] = []
        var current: Plate?
        for tag in TagScanner(bytes) {
            switch tag.name {
            case "plate":
                if tag.isClosing {
                    if let plate = current { plates.append(plate) }
                    current = nil
                } else if tag.isSelfClosing {
                    plates.append(Plate(index: nil, objects: []))
                } else {
                    current = Plate(index: nil, objects: [])
                }
            case "metadata" where current != nil && tag.attributes["key"] == "index":
                current?.index = tag.attributes["value"].flatMap { Int($0) }
            case "object" where current != nil && !tag.isClosing:
                guard let id = tag.attributes["identify_id"].flatMap({ Int($0) }) else { continue }
                current?.objects.append(
                    Object(id: id, name: tag.attributes["name"] ?? "", skipped: tag.attributes["skipped"] == "true"))
            default:
                break
            }
        }
        if let plate = current { plates.append(plate) }
        self.plates = plates
    }

    /// The plate a job prints: the one with `index`, else the only plate; nil when neither fits.
    package func plate(_ index: Int?) -> Plate? {
        if let index, let plate = plates.first(where: { $0.index == index }) { return plate }
        return plates.count == 1 ? plates.first : nil
    }
}

/// The start and end tags of an XML text with their attributes; text, comments and declarations are skipped.
private struct TagScanner: Sequence, IteratorProtocol {
    struct Tag {
        var name: String
        var attributes: [String: String]
        var isClosing: Bool
        var isSelfClosing: Bool
    }

    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> Tag? {
        while position < bytes.count {
            guard bytes[position] == UInt8(ascii: "<") else {
                position += 1
                continue
            }
            position += 1
            guard position < bytes.count else { return nil }
            let first = bytes[position]
            if first == UInt8(ascii: "!") || first == UInt8(ascii: "?") {
                skip(past: first == UInt8(ascii: "!") && startsWith("!--") ? "-->" : ">")
                continue
            }
            var tag = Tag(name: "", attributes: [:], isClosing: false, isSelfClosing: false)
            if first == UInt8(ascii: "/") {
                tag.isClosing = true
                position += 1
            }
            tag.name = readName()
            while position < bytes.count {
                skipSpaces()
                guard position < bytes.count else { break }
                let byte = bytes[position]
                if byte == UInt8(ascii: ">") {
                    position += 1
                    return tag
                }
                if byte == UInt8(ascii: "/") {
                    tag.isSelfClosing = true
                    position += 1
                    continue
                }
                let key = readName()
                guard !key.isEmpty else {
                    position += 1
                    continue
                }
                skipSpaces()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else { continue }
                position += 1
                skipSpaces()
                guard position < bytes.count else { break }
                let quote = bytes[position]
                guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { continue }
                position += 1
                let start = position
                while position < bytes.count, bytes[position] != quote { position += 1 }
                tag.attributes[key] = Self.decodeEntities(String(decoding: bytes[start..<position], as: UTF8.self))
                position += 1
            }
            return nil
        }
        return nil
    }

    private func startsWith(_ text: String) -> Bool {
        let pattern = Array(text.utf8)
        return position + pattern.count <= bytes.count && Array(bytes[position..<position + pattern.count]) == pattern
    }

    private mutating func skip(past terminator: String) {
        let pattern = Array(terminator.utf8)
        while position < bytes.count {
            if startsWith(terminator) {
                position += pattern.count
                return
            }
            position += 1
        }
    }

    private mutating func skipSpaces() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func readName() -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(byte) { break }
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and numeric references; anything else is kept as written.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let after = rest[ampersand...]
            guard let semicolon = after.firstIndex(of: ";"), after.distance(from: ampersand, to: semicolon) <= 10 else {
                result += "&"
                rest = rest[rest.index(after: ampersand)...]
                continue
            }
            let name = after[after.index(after: ampersand)..<semicolon]
            var replacement: String?
            switch name {
            case "amp": replacement = "&"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if name.hasPrefix("#") {
                    replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                }
            }
            if let replacement {
                result += replacement
                rest = rest[rest.index(after: semicolon)...]
            } else {
                result += "&"
                rest = rest[rest.index(after: ampersand)...]
            }
        }
        return result + rest
    }
}
