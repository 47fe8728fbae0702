// SPDX-License-Identifier: AGPL-3.0-or-later
// Reads one entry of a ZIP archive (a 3MF) from a local file, inflating it with zlib.

internal import CZlib
import BambuModel
import Foundation

/// Pulls one file out of a downloaded 3MF.
///
/// Exists because the bridge needs `Metadata/slice_info.config` of the job's 3MF (bambu-lan.md
/// §2.18) and zlib is a C library, wrapped here once. It lives in the FTPS adapter because it is
/// part of reading files from the printer's storage (`FTPSPrinterStorage.readArchiveEntry`), and
/// libcurl already brings zlib along. The ZIP directory is parsed by the pure `ZipDirectory`;
/// this type only reads byte ranges of the file and inflates.
package enum ArchiveEntryReader {
    /// Entries larger than this are refused (the slice info of a big plate is a few kilobytes).
    package static let sizeLimit = 16 * 1024 * 1024

    /// Why an entry cannot be read.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    /// The inflated contents of `entry` in the ZIP archive at `localFile`.
    package static func read(entry name: String, fromArchive localFile: String) throws(Failure) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: localFile) else { throw Failure("cannot open \(localFile)") }
        defer { try? handle.close() }
        do {
            let fileSize = Int(try handle.seekToEnd())
            func bytes(at offset: Int, count: Int) throws -> [UInt8] {
                try handle.seek(toOffset: UInt64(offset))
                return [UInt8](try handle.read(upToCount: count) ?? Data())
            }
            let tailLength = min(fileSize, ZipDirectory.tailLength)
            let tail = try bytes(at: fileSize - tailLength, count: tailLength)
            var location: ZipDirectory.Location
            switch try ZipDirectory.locate(tail: tail, fileSize: fileSize) {
            case .found(let found):
                location = found
            case .needZip64Record(let offset):
                let record = try bytes(at: offset, count: 56)
                guard case .found(let found) = try ZipDirectory.locate(tail: tail, fileSize: fileSize, zip64Record: record)
                else { throw Failure("bad ZIP64 directory") }
                location = found
            }
            let entries = try ZipDirectory.entries(try bytes(at: location.offset, count: location.size))
            guard let entry = entries.first(where: { $0.name == name }) else {
                throw Failure("the archive has no \(name)")
            }
            guard entry.uncompressedSize <= sizeLimit, entry.compressedSize <= sizeLimit else {
                throw Failure("\(name) is larger than \(sizeLimit) bytes")
            }
            let header = try bytes(at: entry.localHeaderOffset, count: ZipDirectory.localHeaderLength)
            let start = try ZipDirectory.dataOffset(of: entry, localHeader: header)
            let stored = try bytes(at: start, count: entry.compressedSize)
            guard stored.count == entry.compressedSize else { throw Failure("\(name) is cut short") }
            switch entry.method {
            case 0: return stored
            case 8: return try inflate(stored, expectedSize: entry.uncompressedSize)
            default: throw Failure("\(name) uses compression method \(entry.method), not stored or deflate")
            }
        } catch let failure as Failure {
            throw failure
        } catch let format as ZipDirectory.FormatError {
            throw Failure(format.description)
        } catch {
            throw Failure("cannot read \(localFile): \(error.localizedDescription)")
        }
    }

    /// Inflates raw deflate data of a known size.
    package static func inflate(_ compressed: [UInt8], expectedSize: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init_raw(&stream) == Z_OK else { throw Failure("zlib cannot start inflating") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(expectedSize, 1))
        var input = compressed
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw Failure("the compressed data is damaged (zlib status \(status))")
        }
        guard Int(stream.total_out) == expectedSize else {
            throw Failure("inflated \(stream.total_out) bytes, expected \(expectedSize)")
        }
        return Array(output.prefix(expectedSize))
    }
}
