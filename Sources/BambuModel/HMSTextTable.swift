// SPDX-License-Identifier: AGPL-3.0-or-later
// The vendor's HMS and print-error texts, parsed from the endpoint's JSON answer.

/// Texts for HMS long codes and `print_error` codes, in one language.
///
/// Exists so notices and `M8103` can say what a code means: the bridge stores the answer of the
/// vendor endpoint `https://e.bambulab.com/query.php?lang=<lang>` (bambu-lan.md §4.4) in its state
/// directory and this type reads it. Parsing is pure; reading the file is the runtime's job.
/// An entry whose text is empty is one BambuStudio calls "internal" and does not show (§4.3).
package struct HMSTextTable: Sendable, Equatable {
    /// What the table says about one code.
    package enum Lookup: Sendable, Equatable {
        /// The vendor's text.
        case text(String)
        /// The code is listed with an empty text: an internal code the vendor does not explain.
        case `internal`
        /// The code is not in the table.
        case unknown
    }

    /// Why an endpoint answer cannot be used.
    package struct FormatError: Error, Equatable, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    /// The language key the texts were read from (`en`).
    package let language: String
    /// The endpoint's `ver` (a timestamp such as `202603041659`), as text; empty when absent.
    package let version: String
    /// Texts by 16-digit upper-case HMS long code.
    private let hmsTexts: [String: String]
    /// Texts by 8-digit upper-case `print_error` code.
    private let errorTexts: [String: String]

    /// Builds a table from texts already keyed by code (tests, or a table from another source).
    package init(language: String, version: String = "", hms: [String: String], errors: [String: String]) {
        self.language = language
        self.version = version
        self.hmsTexts = hms
        self.errorTexts = errors
    }

    /// Parses the endpoint's answer:
    /// `{"result":0,"ver":…,"data":{"device_hms":{"<lang>":[{"ecode","intro"}]},"device_error":{"<lang>":[…]}}}`.
    ///
    /// - Parameter language: the key under `device_hms`/`device_error`; when nil, the only key there.
    /// - Throws: `FormatError` when the text is not JSON, `result` is not 0, or the data is missing.
    package init(parsing bytes: [UInt8], language: String? = nil) throws(FormatError) {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: bytes)
        } catch {
            throw FormatError("not valid JSON: \(error.description)")
        }
        guard root.objectValue != nil else { throw FormatError("not a JSON object") }
        guard let result = root["result"]?.intValue else { throw FormatError("no \"result\" field") }
        guard result == 0 else { throw FormatError("\"result\" is \(result), not 0") }
        guard let data = root["data"]?.objectValue else { throw FormatError("no \"data\" object") }
        guard let hmsByLanguage = data["device_hms"]?.objectValue else { throw FormatError("no \"data.device_hms\" object") }
        let key: String
        if let language {
            key = language
        } else if hmsByLanguage.count == 1, let only = hmsByLanguage.keys.first {
            key = only
        } else {
            throw FormatError("\"data.device_hms\" has \(hmsByLanguage.count) languages; name one")
        }
        guard let hmsEntries = hmsByLanguage[key]?.arrayValue else {
            throw FormatError("no \"\(key)\" list in \"data.device_hms\"")
        }
        let errorEntries = data["device_error"]?[key]?.arrayValue ?? []
        let version: String =
            switch root["ver"] {
            case .int(let number)?: String(number)
            case .string(let text)?: text
            default: ""
            }
        self.init(
            language: key, version: version, hms: Self.texts(hmsEntries, digits: 16),
            errors: Self.texts(errorEntries, digits: 8))
    }

    /// `ecode` → `intro` for entries whose code has the expected number of hex digits.
    private static func texts(_ entries: [JSONValue], digits: Int) -> [String: String] {
        var texts: [String: String] = [:]
        texts.reserveCapacity(entries.count)
        for entry in entries {
            guard let code = entry["ecode"]?.stringValue?.uppercased(), code.utf8.count == digits,
                code.utf8.allSatisfy(Self.isHexDigit)
            else { continue }
            let intro = entry["intro"]?.stringValue ?? ""
            // A later duplicate with a text wins over an empty one.
            if texts[code]?.isEmpty == false, intro.isEmpty { continue }
            texts[code] = intro
        }
        return texts
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    /// How many HMS texts the table holds.
    package var hmsCount: Int { hmsTexts.count }
    /// How many print-error texts the table holds.
    package var errorCount: Int { errorTexts.count }

    /// The text for an HMS entry, by its 16-digit long code.
    package func lookup(_ entry: HMSEntry) -> Lookup { lookup(hmsLongCode: entry.longCode) }

    /// The text for a 16-digit HMS long code (`0300010000010007`; `_` separators are ignored).
    package func lookup(hmsLongCode code: String) -> Lookup {
        Self.lookup(code, in: hmsTexts)
    }

    /// The text for a `print_error` value, by its 8-digit code.
    package func lookup(_ error: PrintErrorCode) -> Lookup {
        Self.lookup(error.displayCode, in: errorTexts)
    }

    private static func lookup(_ code: String, in texts: [String: String]) -> Lookup {
        let key = String(code.uppercased().filter { $0 != "_" })
        guard let text = texts[key] else { return .unknown }
        return text.isEmpty ? .internal : .text(text)
    }
}

extension HMSTextTable.Lookup {
    /// The text, or a short phrase for an internal or unknown code.
    package var phrase: String {
        switch self {
        case .text(let text): text
        case .internal: "internal error (no description from the vendor)"
        case .unknown: "no description known"
        }
    }
}
