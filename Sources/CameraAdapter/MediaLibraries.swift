// SPDX-License-Identifier: AGPL-3.0-or-later
// FFmpeg loaded on first use, and the versions of the media libraries.

internal import CLibAV
internal import CTurboJPEG

/// FFmpeg's functions, resolved once with dlopen/dlsym.
///
/// Exists because FFmpeg is not linked: libavformat's dependency tree (about a hundred libraries,
/// some 19 MB resident) would otherwise be mapped into every daemon at start, cameras or not, and
/// slow its start. It is loaded the first time a camera connects; a machine without FFmpeg then
/// gets a clear camera error instead of a daemon that cannot start. Every field of the table is
/// set once loading succeeded, so member access unwraps it.
@dynamicMemberLookup
struct FFmpeg: @unchecked Sendable {
    private let table: clibav_functions

    subscript<Function>(dynamicMember path: KeyPath<clibav_functions, Function?>) -> Function {
        table[keyPath: path]!
    }

    /// The loaded libraries; the first call loads them, runs `avformat_network_init` and silences
    /// FFmpeg's own log (it would print decoder noise on every lost packet to the daemon's stderr).
    static func load() throws(CameraConnectionError) -> FFmpeg {
        try loaded.get()
    }

    private static let loaded: Result<FFmpeg, CameraConnectionError> = {
        var table = clibav_functions()
        var message = [CChar](repeating: 0, count: 512)
        guard clibav_load(&table, &message, message.count) == 0 else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(
                CameraConnectionError(
                    reason: "FFmpeg's libraries cannot be loaded (\(reason)); install libavformat and libavcodec",
                    permanent: true))
        }
        let ffmpeg = FFmpeg(table: table)
        _ = ffmpeg.avformat_network_init()
        ffmpeg.av_log_set_level(AV_LOG_QUIET)
        return .success(ffmpeg)
    }()
}

/// FFmpeg and libjpeg-turbo as a whole, for `--version`.
package enum MediaLibraries {
    /// libavformat and libavcodec versions, e.g. `avformat 59.27.100, avcodec 59.37.100`, or why
    /// FFmpeg cannot be loaded.
    package static var version: String {
        do {
            let ffmpeg = try FFmpeg.load()
            return "avformat \(dotted(ffmpeg.avformat_version())), avcodec \(dotted(ffmpeg.avcodec_version()))"
        } catch {
            return "not available: \(error.reason)"
        }
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
