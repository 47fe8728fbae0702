// SPDX-License-Identifier: AGPL-3.0-or-later
// The camera adapter's pure parts: login packet, JPEG size, frame-rate limit.

import CameraAdapter
import Testing

@Suite struct CameraUnitTests {
    @Test func loginPacketIsTheEightyBytesOfSection7_2() {
        let packet = JPEGStreamCameraSource.authenticationPacket(accessCode: "12345678")
        #expect(packet.count == 80)
        #expect(Array(packet[0..<16]) == [0x40, 0, 0, 0, 0, 0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(packet[16..<20]) == Array("bblp".utf8))
        #expect(packet[20..<48].allSatisfy { $0 == 0 })
        #expect(Array(packet[48..<56]) == Array("12345678".utf8))
        #expect(packet[56..<80].allSatisfy { $0 == 0 })
    }

    @Test func jpegSizeComesFromTheSOFMarker() {
        // SOI, APP0 (length 16), SOF0 (height 720, width 1280), EOI.
        let app0: [UInt8] = [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
        let sof0: [UInt8] = [0xFF, 0xC0, 0x00, 0x11, 8, 0x02, 0xD0, 0x05, 0x00, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
        let jpeg = [0xFF, 0xD8] + app0 + sof0 + [0xFF, 0xD9]
        #expect(JPEGImageInfo.dimensions(of: jpeg)?.width == 1280)
        #expect(JPEGImageInfo.dimensions(of: jpeg)?.height == 720)
        #expect(JPEGImageInfo.dimensions(of: Array(jpeg.dropLast())) == nil)
        #expect(JPEGImageInfo.dimensions(of: Array(jpeg.dropFirst())) == nil)
    }

    @Test func rateLimiterKeepsJitteryFramesAtTheLimitAndHalvesADoubleRate() {
        let start = ContinuousClock.now
        var atLimit = FrameRateLimiter(maxFramesPerSecond: 15)
        var kept = 0
        for index in 0..<150 {
            let jitter = Duration.milliseconds(index % 2 == 0 ? 12 : -12)
            if atLimit.admit(at: start + .milliseconds(index * 1000 / 15) + jitter) { kept += 1 }
        }
        #expect(kept == 150)

        var halved = FrameRateLimiter(maxFramesPerSecond: 15)
        kept = 0
        for index in 0..<300 where halved.admit(at: start + .milliseconds(index * 1000 / 30)) { kept += 1 }
        #expect((148...152).contains(kept))

        var unlimited = FrameRateLimiter(maxFramesPerSecond: 0)
        #expect((0..<10).allSatisfy { _ in unlimited.admit(at: start) })
    }
}
