// SPDX-License-Identifier: AGPL-3.0-or-later
// Camera codes M8160–M8169: snapshot to a file, camera settings.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The camera family (bambu-lan.md §3.21, §7).
    ///
    /// `M8160` holds its `ok` until the picture is written (at most a few seconds: the camera
    /// hub waits 3 s for a frame) and writes the path before the `ok`, Marlin style
    /// (serial-host.md §4: output before `ok`; a short hold like `M400`'s).
    static let camera: Self = [
        CommandSpec(
            .m(8160), "Save a camera snapshot to a file under state_dir and answer its path",
            translation: "none (a frame from the camera stream, written to <state_dir>/snapshots/<printer>-<UTC time>.jpg)"
        ) { _, context in
            let operation = context.sd.makeOperationID()
            context.camera(.saveSnapshot(operation: operation))
            context.ack = .wait(.snapshot(operation: operation), timeout: .seconds(15))
        },
        CommandSpec(
            .m(8161), "Camera recording on the printer on/off, or report it", parameters: [("S", "1 on, 0 off")],
            translation: "camera.ipcam_record_set control enable/disable"
        ) { command, context in
            try cameraSetting(
                command, &context, field: "ipcam_record", label: "camera recording",
                request: BambuRequest.cameraRecording(enabled:))
        },
        CommandSpec(
            .m(8162), "Timelapse recording on/off, or report it", parameters: [("S", "1 on, 0 off")],
            translation: "camera.ipcam_timelapse control enable/disable"
        ) { command, context in
            try cameraSetting(
                command, &context, field: "timelapse", label: "timelapse", request: BambuRequest.cameraTimelapse(enabled:))
        },
        CommandSpec(
            .m(8163), "Camera stream resolution, or report it", parameters: [("S", "1080 or 720")],
            translation: "camera.ipcam_resolution_set resolution 1080p/720p",
            models: "X1, X1C, X1E, P2S, H2S, H2D, H2D Pro, H2C, X2D (RTSPS cameras)"
        ) { command, context in
            guard context.model.capabilities.camera == .rtsps else {
                throw CommandError("M8163: the \(context.model.productName)'s camera has a fixed resolution")
            }
            guard let value = try command.int("S", in: 720...1080) else {
                try ensureCameraReported(command, context)
                let resolution = context.printer.ipcam?["resolution"]?.stringValue ?? "unknown"
                context.reply(.comment("camera resolution: \(resolution.isEmpty ? "unknown" : resolution)"))
                return
            }
            guard value == 720 || value == 1080 else {
                throw CommandError("M8163: S must be 1080 or 720, got \(value)")
            }
            try ensureCameraReported(command, context)
            try context.ensurePrinterAccepts()
            context.send(.cameraResolution("\(value)p"))
        },
    ]
}

/// `M8161`/`M8162`: report `ipcam.<field>` without `S`, publish the on/off request with it.
private func cameraSetting(
    _ command: GCodeCommand, _ context: inout CommandContext, field: String, label: String,
    request: (Bool) -> BambuRequest
) throws {
    guard let state = try command.int("S", in: 0...1) else {
        try ensureCameraReported(command, context)
        let value = context.printer.ipcam?[field]?.stringValue ?? "unknown"
        context.reply(.comment("\(label): \(value == "enable" ? "on" : value == "disable" ? "off" : value)"))
        return
    }
    try ensureCameraReported(command, context)
    try context.ensurePrinterAccepts()
    context.send(request(state == 1))
}

/// Refuses when the printer's reports have arrived but carry no `ipcam` block (no camera settings
/// to change); before the first report nothing is known, so the request goes out.
private func ensureCameraReported(_ command: GCodeCommand, _ context: CommandContext) throws(CommandError) {
    if context.printer.gcodeState != nil, context.printer.ipcam == nil {
        throw CommandError("\(command.code): the \(context.model.productName) reports no camera settings (no ipcam block)")
    }
}

extension PrinterState {
    /// The `print.ipcam` block (bambu-lan.md §2.14), if the printer reported one.
    fileprivate var ipcam: JSONValue? { print["ipcam"] }
}
