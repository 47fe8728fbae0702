// SPDX-License-Identifier: AGPL-3.0-or-later
// Width and height of a baseline or progressive JPEG, read from its SOF marker.

/// Checks a JPEG's framing and reads its size without decoding it.
///
/// Exists because port-6000 frames are passed through untouched: the viewer bookkeeping still
/// wants the frame size, and a frame without SOI/EOI is a broken stream, not a picture.
package enum JPEGImageInfo {
    /// `(width, height)` from the first SOFn marker, or nil when `jpeg` does not start with SOI,
    /// end with EOI, or has no readable SOF.
    package static func dimensions(of jpeg: [UInt8]) -> (width: Int, height: Int)? {
        guard jpeg.count >= 4, jpeg[0] == 0xFF, jpeg[1] == 0xD8, jpeg[jpeg.count - 2] == 0xFF,
            jpeg[jpeg.count - 1] == 0xD9
        else { return nil }
        var index = 2
        while index + 4 <= jpeg.count {
            guard jpeg[index] == 0xFF else { return nil }
            let marker = jpeg[index + 1]
            if marker == 0xFF {  // fill byte
                index += 1
                continue
            }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) {
                index += 2
                continue
            }
            let length = Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3])
            guard length >= 2 else { return nil }
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                guard index + 9 <= jpeg.count else { return nil }
                let height = Int(jpeg[index + 5]) << 8 | Int(jpeg[index + 6])
                let width = Int(jpeg[index + 7]) << 8 | Int(jpeg[index + 8])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            if marker == 0xDA { return nil }  // scan data before any SOF
            index += 2 + length
        }
        return nil
    }
}
