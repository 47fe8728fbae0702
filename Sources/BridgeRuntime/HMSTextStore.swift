// SPDX-License-Identifier: AGPL-3.0-or-later
// Reads the HMS text table the daemon keeps in its state directory.

package import BambuModel
import Foundation
package import Logging

/// Where the HMS text table lives and how it is read.
///
/// Exists to keep file reading at the edge: the core only sees a parsed `HMSTextTable`. The file is
/// the vendor endpoint's answer, stored by `bambu-serial hms-update` as `state_dir/hms-<lang>.json`.
package enum HMSTextStore {
    /// `state_dir/hms-<language>.json`.
    package static func path(stateDirectory: String, language: String) -> String {
        stateDirectory + "/hms-\(language).json"
    }

    /// Reads and parses the table.
    /// - Throws: a message naming the file and what is wrong with it.
    package static func read(stateDirectory: String, language: String) throws(HMSTextStoreError) -> HMSTextTable {
        let path = path(stateDirectory: stateDirectory, language: language)
        guard FileManager.default.fileExists(atPath: path) else { throw HMSTextStoreError(path: path, reason: "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HMSTextStoreError(path: path, reason: "cannot be read")
        }
        do {
            return try HMSTextTable(parsing: [UInt8](data), language: language)
        } catch {
            throw HMSTextStoreError(path: path, reason: error.description)
        }
    }

    /// Reads the table and logs the outcome once: the count on success, else why codes will show without text.
    package static func load(stateDirectory: String, language: String, logger: Logger) -> HMSTextTable? {
        do {
            let table = try read(stateDirectory: stateDirectory, language: language)
            logger.info(
                "HMS texts loaded",
                metadata: [
                    "hms.file": "\(path(stateDirectory: stateDirectory, language: language))",
                    "hms.version": "\(table.version)", "hms.codes": "\(table.hmsCount)", "hms.errors": "\(table.errorCount)",
                ])
            return table
        } catch {
            logger.warning(
                "HMS texts not loaded; HMS codes are shown without text (run `bambu-serial hms-update --lang \(language)`)",
                metadata: ["hms.file": "\(error.path)", "error": "\(error.reason)"])
            return nil
        }
    }
}

/// Why the HMS text file could not be used.
package struct HMSTextStoreError: Error, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { "\(path): \(reason)" }
}
