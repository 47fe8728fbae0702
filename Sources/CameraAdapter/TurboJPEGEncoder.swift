// SPDX-License-Identifier: AGPL-3.0-or-later
// JPEG encoding straight from decoded YUV 4:2:0 planes with libjpeg-turbo.

internal import CTurboJPEG

/// One TurboJPEG compressor and its reusable output buffer.
///
/// Exists so decoded H.264 frames become JPEGs without a colour conversion: `tjCompressFromYUVPlanes`
/// takes the decoder's Y, U and V planes and their line sizes (padding included) as they are.
/// Not thread-safe: one per camera thread.
final class TurboJPEGEncoder {
    private let handle: tjhandle
    private var buffer: UnsafeMutablePointer<UInt8>?
    private var capacity: UInt = 0

    init?() {
        guard let handle = tjInitCompress() else { return nil }
        self.handle = handle
    }

    deinit {
        if let buffer { tjFree(buffer) }
        tjDestroy(handle)
    }

    /// Encodes one 4:2:0 picture; nil when TurboJPEG fails (the message is then in ``lastError``).
    func encode(
        luma: UnsafePointer<UInt8>, blue: UnsafePointer<UInt8>, red: UnsafePointer<UInt8>,
        strides: (Int32, Int32, Int32), width: Int, height: Int, quality: Int
    ) -> [UInt8]? {
        let needed = tjBufSize(Int32(width), Int32(height), Int32(TJSAMP_420.rawValue))
        if needed > capacity {
            if let buffer { tjFree(buffer) }
            buffer = tjAlloc(Int32(needed))
            capacity = buffer == nil ? 0 : needed
        }
        guard buffer != nil else { return nil }
        var output: UnsafeMutablePointer<UInt8>? = buffer
        var size = capacity
        var planes: [UnsafePointer<UInt8>?] = [luma, blue, red]
        var lineSizes: [Int32] = [strides.0, strides.1, strides.2]
        // The fast integer DCT costs little visible quality up to 90 and saves about a fifth of the time.
        let flags = TJFLAG_NOREALLOC | (quality <= 90 ? TJFLAG_FASTDCT : 0)
        let result = tjCompressFromYUVPlanes(
            handle, &planes, Int32(width), &lineSizes, Int32(height), Int32(TJSAMP_420.rawValue), &output, &size,
            Int32(quality), Int32(flags))
        guard result == 0 else { return nil }
        if output != buffer { buffer = output }  // never with TJFLAG_NOREALLOC
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// TurboJPEG's message for the last failure.
    var lastError: String { String(cString: tjGetErrorStr2(handle)) }
}
