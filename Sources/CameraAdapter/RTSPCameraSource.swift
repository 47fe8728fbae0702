// SPDX-License-Identifier: AGPL-3.0-or-later
// The X1/H2/P2 camera: RTSPS H.264 decoded with libavcodec and encoded as JPEG with libjpeg-turbo.

package import BridgeRuntime
internal import CLibAV
import NIOConcurrencyHelpers

/// An X1, X1C, X1E, P2S, H2S, H2D, H2D Pro, H2C or X2D camera (bambu-lan.md §7.1).
///
/// Exists to turn the printer's RTSPS H.264 stream into JPEG frames for MJPEG viewers. TLS is
/// ours (``LoopbackTLSRelay``: the certificate is checked like MQTT's); libavformat speaks RTSP
/// over TCP interleaving through the relay with Digest authentication; libavcodec decodes on this
/// source's thread (one decoder thread, no frame-threading delay); frames above the rate limit are
/// dropped before encoding; the rest go to TurboJPEG as the decoder's planes, with no colour
/// conversion. A 401 is a wrong access code and is permanent.
package final class RTSPCameraSource: CameraSource, FrameCountingCameraSource {
    /// The stream path of every Bambu RTSPS camera.
    static let path = "/streaming/live/1"

    private let settings: CameraSourceSettings
    private let worker: CameraWorker
    private let learnedPin: NIOLockedValueBox<String?>
    private let pinLearned: @Sendable (String) -> Void
    private let counters = FrameCounters()

    package var frameCounts: CameraFrameCounts { counters.snapshot }

    /// `pinLearned` gets the fingerprint the first time pinned mode without a pin accepts a certificate.
    package init(settings: CameraSourceSettings, pinLearned: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.pinLearned = pinLearned
        worker = CameraWorker(
            name: "camera-\(settings.serial)", initialBackoff: settings.initialBackoff,
            maximumBackoff: settings.maximumBackoff)
        if case .pinned(_, let pin) = settings.security {
            learnedPin = NIOLockedValueBox(pin)
        } else {
            learnedPin = NIOLockedValueBox(nil)
        }
    }

    package func start() -> AsyncStream<CameraSourceEvent> {
        worker.start { [self] worker in connectOnce(worker) }
    }

    package func stop() { worker.stop() }

    private func connectOnce(_ worker: CameraWorker) -> (error: CameraConnectionError?, delivered: Bool) {
        let ffmpeg: FFmpeg
        do {
            ffmpeg = try FFmpeg.load()
        } catch {
            return (error, false)
        }
        let upstream: PrinterTLSConnection
        do {
            upstream = try PrinterTLSConnection(
                host: settings.host, port: settings.port, security: settings.security,
                pin: learnedPin.withLockedValue { $0 }, timeout: settings.readTimeout, worker: worker)
        } catch {
            return (error, false)
        }
        if case .pinned = settings.security, let fingerprint = upstream.fingerprint {
            let learned = learnedPin.withLockedValue { pin -> Bool in
                guard pin == nil else { return false }
                pin = fingerprint
                return true
            }
            if learned { pinLearned(fingerprint) }
        }
        let relay: LoopbackTLSRelay
        do {
            relay = try LoopbackTLSRelay(upstream: upstream, worker: worker, idleTimeout: settings.readTimeout)
        } catch {
            upstream.close()
            return (error, false)
        }
        relay.start(name: "camera-relay-\(settings.serial)")
        var session = DecodingSession(ffmpeg: ffmpeg, settings: settings, worker: worker, counters: counters)
        let result = session.run(relayPort: relay.port)
        session.close()
        relay.waitUntilFinished()
        if let error = result, !worker.isStopped, !error.permanent, let reason = relay.endReason {
            return (CameraConnectionError(reason: reason, permanent: false), session.delivered)
        }
        return (worker.isStopped ? nil : result, session.delivered)
    }
}

/// One RTSP session through the relay: open, decode, encode, deliver; owns the FFmpeg objects.
private struct DecodingSession {
    let av: FFmpeg
    let settings: CameraSourceSettings
    let worker: CameraWorker
    let counters: FrameCounters
    var delivered = false
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?

    init(ffmpeg: FFmpeg, settings: CameraSourceSettings, worker: CameraWorker, counters: FrameCounters) {
        self.av = ffmpeg
        self.settings = settings
        self.worker = worker
        self.counters = counters
    }

    /// Runs until the stream ends, fails or the worker stops; nil when stopped.
    mutating func run(relayPort: Int) -> CameraConnectionError? {
        guard let context = av.avformat_alloc_context() else { return Self.failure("out of memory", permanent: true) }
        context.pointee.interrupt_callback = AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<CameraWorker>.fromOpaque(opaque).takeUnretainedValue().isStopped ? 1 : 0
            }, opaque: Unmanaged.passUnretained(worker).toOpaque())
        var options: OpaquePointer?
        defer { av.av_dict_free(&options) }
        let timeoutMicroseconds = settings.readTimeout.components.seconds * 1_000_000
        _ = av.av_dict_set(&options, "rtsp_transport", "tcp", 0)
        _ = av.av_dict_set(&options, "timeout", String(timeoutMicroseconds), 0)
        let code = Self.percentEncoded(settings.accessCode)
        let url = "rtsp://bblp:\(code)@127.0.0.1:\(relayPort)\(RTSPCameraSource.path)"
        var opened: UnsafeMutablePointer<AVFormatContext>? = context
        let openResult = av.avformat_open_input(&opened, url, nil, &options)
        guard openResult >= 0, let opened else {
            // avformat_open_input frees the context on failure.
            return classify(openResult, stopped: worker.isStopped)
        }
        format = opened
        // No avformat_find_stream_info: the SDP names the codec and carries SPS/PPS, and probing
        // would hold the first frame back by seconds (slow keyframe pacing on some printers).
        var videoIndex: Int32 = -1
        for index in 0..<Int(opened.pointee.nb_streams) {
            guard let stream = opened.pointee.streams[index] else { continue }
            if stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO {
                videoIndex = Int32(index)
                break
            }
        }
        guard videoIndex >= 0, let parameters = opened.pointee.streams[Int(videoIndex)]?.pointee.codecpar else {
            return Self.failure("the camera stream has no video", permanent: true)
        }
        guard let codec = av.avcodec_find_decoder(parameters.pointee.codec_id), let decoder = av.avcodec_alloc_context3(codec)
        else { return Self.failure("no decoder for the camera's video codec", permanent: true) }
        self.decoder = decoder
        _ = av.avcodec_parameters_to_context(decoder, parameters)
        decoder.pointee.thread_count = 1
        guard av.avcodec_open2(decoder, codec, nil) >= 0 else {
            return Self.failure("cannot open the video decoder", permanent: true)
        }
        packet = av.av_packet_alloc()
        frame = av.av_frame_alloc()
        guard let packet, let frame, let encoder = TurboJPEGEncoder() else {
            return Self.failure("out of memory", permanent: true)
        }
        worker.emit(.streaming)
        var limiter = FrameRateLimiter(maxFramesPerSecond: settings.maxFramesPerSecond)
        while !worker.isStopped {
            let readResult = av.av_read_frame(opened, packet)
            if readResult < 0 { return classify(readResult, stopped: worker.isStopped) }
            defer { av.av_packet_unref(packet) }
            guard packet.pointee.stream_index == videoIndex else { continue }
            let arrived = ContinuousClock.now
            guard av.avcodec_send_packet(decoder, packet) >= 0 else { continue }  // a damaged packet: wait for the next
            while av.avcodec_receive_frame(decoder, frame) >= 0 {
                defer { av.av_frame_unref(frame) }
                counters.countDecoded()
                guard limiter.admit(at: arrived) else { continue }
                counters.countAdmitted()
                let pixelFormat = frame.pointee.format
                guard pixelFormat == AV_PIX_FMT_YUV420P.rawValue || pixelFormat == AV_PIX_FMT_YUVJ420P.rawValue else {
                    return Self.failure(
                        "the camera's pixel format (FFmpeg number \(pixelFormat)) is not supported (YUV 4:2:0 expected)",
                        permanent: true)
                }
                let width = Int(frame.pointee.width)
                let height = Int(frame.pointee.height)
                guard let luma = frame.pointee.data.0, let blue = frame.pointee.data.1, let red = frame.pointee.data.2,
                    let jpeg = encoder.encode(
                        luma: luma, blue: blue, red: red,
                        strides: (frame.pointee.linesize.0, frame.pointee.linesize.1, frame.pointee.linesize.2),
                        width: width, height: height, quality: settings.quality)
                else {
                    return Self.failure("JPEG encoding failed: \(encoder.lastError)", permanent: false)
                }
                delivered = true
                counters.countDelivered()
                worker.emit(.frame(CameraFrame(jpeg: jpeg, width: width, height: height, receivedAt: arrived)))
            }
        }
        return nil
    }

    /// Frees everything; closing the input closes the RTSP connection to the relay.
    mutating func close() {
        if frame != nil { av.av_frame_free(&frame) }
        if packet != nil { av.av_packet_free(&packet) }
        if decoder != nil { av.avcodec_free_context(&decoder) }
        if format != nil { av.avformat_close_input(&format) }
    }

    private func classify(_ code: Int32, stopped: Bool) -> CameraConnectionError? {
        if stopped || code == clibav_error_exit() { return nil }
        if code == clibav_error_http_unauthorized() {
            return Self.failure("the printer refused the access code (RTSP 401 Unauthorized)", permanent: true)
        }
        if code == clibav_error_http_forbidden() {
            return Self.failure("the printer refused the camera stream (RTSP 403 Forbidden)", permanent: true)
        }
        if code == clibav_error_http_not_found() {
            return Self.failure("the printer has no camera stream (RTSP 404); is LAN live view enabled?", permanent: false)
        }
        if code == clibav_error_eof() { return Self.failure("the camera stream ended", permanent: false) }
        var text = [CChar](repeating: 0, count: 128)
        _ = av.av_strerror(code, &text, text.count)
        let message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Self.failure("camera stream failed (\(message))", permanent: false)
    }

    private static func failure(_ reason: String, permanent: Bool) -> CameraConnectionError {
        CameraConnectionError(reason: reason, permanent: permanent)
    }

    /// RFC 3986 userinfo encoding: anything but unreserved characters becomes %XX.
    private static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if character.isASCII, character.isLetter || character.isNumber || "-._~".contains(character) {
                result.append(character)
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
