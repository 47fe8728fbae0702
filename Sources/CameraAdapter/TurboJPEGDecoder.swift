// SPDX-License-Identifier: AGPL-3.0-or-later
// Decodes a whole JPEG with libjpeg-turbo, to prove a frame is a picture and not only well framed.

internal import CTurboJPEG

/// A full TurboJPEG decode of one frame to grayscale.
///
/// Exists so tests (and any caller that must be sure) can check that the frames the camera path
/// hands out decode as pictures: `JPEGImageInfo` reads only the markers, while a truncated or
/// corrupt entropy-coded segment shows only when every block is decoded. Grayscale keeps the output
/// small; the decoder still reads every block of every component.
package enum TurboJPEGDecoder {
    /// `(width, height)` when libjpeg-turbo decodes all of `jpeg` without an error (warnings count
    /// as errors too), else nil.
    package static func decode(_ jpeg: [UInt8]) -> (width: Int, height: Int)? {
        guard !jpeg.isEmpty, let handle = tjInitDecompress() else { return nil }
        defer { tjDestroy(handle) }
        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        let header = jpeg.withUnsafeBufferPointer { bytes in
            tjDecompressHeader3(handle, bytes.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0, width > 0, height > 0 else { return nil }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height))
        let decoded = jpeg.withUnsafeBufferPointer { bytes in
            pixels.withUnsafeMutableBufferPointer { output in
                tjDecompress2(
                    handle, bytes.baseAddress, UInt(bytes.count), output.baseAddress, width, 0, height,
                    Int32(TJPF_GRAY.rawValue), Int32(TJFLAG_STOPONWARNING))
            }
        }
        guard decoded == 0 else { return nil }
        return (Int(width), Int(height))
    }
}
