// SPDX-License-Identifier: AGPL-3.0-or-later
// The central directory of a ZIP archive (a 3MF), read from bytes the caller fetched.

/// Finds entries in a ZIP archive without reading the whole file.
///
/// Exists because a sliced 3MF is a ZIP and the bridge needs one small entry of it
/// (`Metadata/slice_info.config`, bambu-lan.md §2.18). The caller reads byte ranges (the tail,
/// the directory, one local header) and these pure functions say where to look next; inflating
/// the entry is the zlib adapter's job. ZIP64 records (BambuStudio's miniz writes them for large
/// archives) are understood. All offsets are checked, so a damaged file gives an error, not a trap.
package enum ZipDirectory {
    /// Why an archive cannot be read.
    package struct FormatError: Error, Equatable, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    /// Where the central directory is.
    package struct Location: Equatable, Sendable {
        package var offset: Int
        package var size: Int
        package var entryCount: Int

        package init(offset: Int, size: Int, entryCount: Int) {
            self.offset = offset
            self.size = size
            self.entryCount = entryCount
        }
    }

    /// One file in the central directory.
    package struct Entry: Equatable, Sendable {
        package var name: String
        /// 0 stored, 8 deflated.
        package var method: Int
        package var compressedSize: Int
        package var uncompressedSize: Int
        package var crc32: UInt32
        package var localHeaderOffset: Int
    }

    /// Bytes to read from the end to be sure to include the end record and a ZIP64 locator.
    package static let tailLength = 22 + 0xFFFF + 20

    /// Finds the central directory from the last bytes of an archive.
    /// - Parameters:
    ///   - tail: the last `min(fileSize, tailLength)` bytes.
    ///   - fileSize: the archive's size, to check offsets.
    ///   - zip64Record: the 56-byte ZIP64 end record when a previous call asked for it.
    /// - Returns: the location, or the offset of the ZIP64 end record to read (56 bytes) and call again with.
    package static func locate(tail: [UInt8], fileSize: Int, zip64Record: [UInt8]? = nil) throws(FormatError)
        -> LocateResult
    {
        guard tail.count >= 22 else { throw FormatError("too short to be a ZIP archive") }
        var end = -1
        var position = tail.count - 22
        while position >= 0 {
            if read32(tail, position) == 0x0605_4b50 {
                end = position
                break
            }
            position -= 1
        }
        guard end >= 0 else { throw FormatError("no end of central directory record: not a ZIP archive") }
        var count = Int(read16(tail, end + 10))
        var size = Int(read32(tail, end + 12))
        var offset = Int(read32(tail, end + 16))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            guard end >= 20, read32(tail, end - 20) == 0x0706_4b50 else {
                throw FormatError("ZIP64 archive without a ZIP64 locator")
            }
            let recordOffset = Int(clamping: read64(tail, end - 20 + 8))
            guard let record = zip64Record else { return .needZip64Record(offset: recordOffset) }
            guard record.count >= 56, read32(record, 0) == 0x0606_4b50 else {
                throw FormatError("bad ZIP64 end of central directory record")
            }
            count = Int(clamping: read64(record, 32))
            size = Int(clamping: read64(record, 40))
            offset = Int(clamping: read64(record, 48))
        }
        guard offset >= 0, size >= 0, offset <= fileSize, size <= fileSize - offset else {
            throw FormatError("central directory outside the file")
        }
        return .found(Location(offset: offset, size: size, entryCount: count))
    }

    /// What `locate` found.
    package enum LocateResult: Equatable, Sendable {
        case found(Location)
        /// Read 56 bytes at `offset` and call `locate` again with them.
        case needZip64Record(offset: Int)
    }

    /// The entries of a central directory.
    package static func entries(_ directory: [UInt8]) throws(FormatError) -> [Entry] {
        var entries: [Entry] = []
        var position = 0
        while position + 46 <= directory.count, read32(directory, position) == 0x0201_4b50 {
            let method = Int(read16(directory, position + 10))
            let crc = read32(directory, position + 16)
            var compressed = Int(read32(directory, position + 20))
            var uncompressed = Int(read32(directory, position + 24))
            let nameLength = Int(read16(directory, position + 28))
            let extraLength = Int(read16(directory, position + 30))
            let commentLength = Int(read16(directory, position + 32))
            var localOffset = Int(read32(directory, position + 42))
            let nameStart = position + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directory.count else { throw FormatError("central directory entry runs past its end") }
            let name = String(decoding: directory[nameStart..<extraStart], as: UTF8.self)
            // ZIP64 extended information: the 8-byte values for fields set to 0xFFFFFFFF, in this order.
            var extra = extraStart
            while extra + 4 <= extraStart + extraLength {
                let id = read16(directory, extra)
                let length = Int(read16(directory, extra + 2))
                let body = extra + 4
                guard body + length <= extraStart + extraLength else { break }
                if id == 0x0001 {
                    var field = body
                    if uncompressed == 0xFFFF_FFFF, field + 8 <= body + length {
                        uncompressed = Int(clamping: read64(directory, field))
                        field += 8
                    }
                    if compressed == 0xFFFF_FFFF, field + 8 <= body + length {
                        compressed = Int(clamping: read64(directory, field))
                        field += 8
                    }
                    if localOffset == 0xFFFF_FFFF, field + 8 <= body + length {
                        localOffset = Int(clamping: read64(directory, field))
                    }
                }
                extra = body + length
            }
            entries.append(
                Entry(
                    name: name, method: method, compressedSize: compressed, uncompressedSize: uncompressed, crc32: crc,
                    localHeaderOffset: localOffset))
            position = next
        }
        return entries
    }

    /// Length of a local header's fixed part; read this many bytes at `localHeaderOffset`.
    package static let localHeaderLength = 30

    /// Where an entry's data starts, from the fixed part of its local header.
    package static func dataOffset(of entry: Entry, localHeader: [UInt8]) throws(FormatError) -> Int {
        guard localHeader.count >= 30, read32(localHeader, 0) == 0x0403_4b50 else {
            throw FormatError("no local file header for \(entry.name)")
        }
        let nameLength = Int(read16(localHeader, 26))
        let extraLength = Int(read16(localHeader, 28))
        return entry.localHeaderOffset + 30 + nameLength + extraLength
    }

    private static func read16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        guard at >= 0, at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { return 0 }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    private static func read64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        UInt64(read32(bytes, at)) | UInt64(read32(bytes, at + 4)) << 32
    }
}
