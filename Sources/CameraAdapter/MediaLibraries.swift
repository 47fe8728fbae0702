// SPDX-License-Identifier: AGPL-3.0-or-later
// Process-wide FFmpeg set-up and the versions of the media libraries.

internal import CLibAV
internal import CTurboJPEG

/// FFmpeg and libjpeg-turbo as a whole.
///
/// Exists because `avformat_network_init` must run once before any RTSP(S) input is opened.
package enum MediaLibraries {
    /// Calls `avformat_network_init` and silences FFmpeg's own log (it would print decoder noise on
    /// every lost packet to the daemon's stderr); safe to call more than once.
    package static func initialize() {
        _ = initialized
    }

    private static let initialized: Bool = {
        _ = avformat_network_init()
        av_log_set_level(AV_LOG_QUIET)
        return true
    }()

    /// libavformat and libavcodec versions, e.g. `avformat 59.27.100, avcodec 59.37.100`.
    package static var version: String {
        "avformat \(dotted(avformat_version())), avcodec \(dotted(avcodec_version()))"
    }

    /// Whether a TurboJPEG compressor can be created (the 2.x `tj*` API).
    package static var turboJPEGAvailable: Bool {
        guard let handle = tjInitCompress() else { return false }
        tjDestroy(handle)
        return true
    }

    private static func dotted(_ version: UInt32) -> String {
        "\(version >> 16).\((version >> 8) & 0xff).\(version & 0xff)"
    }
}
