// SPDX-License-Identifier: AGPL-3.0-or-later
// The camera hub on its own: sharing, idle close after snapshots, failures, snapshots written to files.

import BridgeCore
import BridgeRuntime
import Foundation
import Testing

@Suite(.timeLimit(.minutes(1))) struct CameraHubTests {
    @Test func snapshotAloneClosesAfterTheIdleTimeout() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(20), size: 100)])
        let hub = CameraHub(idleTimeout: .milliseconds(300), makeSource: cameras.factory)
        _ = try await hub.snapshot("x1c")
        #expect(await hub.isOpen("x1c"))
        #expect(await eventually { cameras.stops("x1c") == 1 })
        #expect(await hub.state(of: "x1c") == .off)
        // The next request opens a new source.
        _ = try await hub.snapshot("x1c")
        #expect(cameras.starts("x1c") == 2)
        await hub.closeAll()
    }

    @Test func aViewerKeepsTheSourceOpenPastTheIdleTimeout() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(20), size: 100)])
        let hub = CameraHub(idleTimeout: .milliseconds(200), makeSource: cameras.factory)
        let frames = try await hub.subscribe("x1c")
        var iterator = frames.makeAsyncIterator()
        _ = await iterator.next()
        try await Task.sleep(for: .milliseconds(500))
        #expect(cameras.stops("x1c") == 0)
        _ = await iterator.next()
        await hub.closeAll()
        #expect(await iterator.next() == nil)
        #expect(cameras.stops("x1c") == 1)
    }

    @Test func aPermanentFailureEndsViewerStreamsAndIsReported() async throws {
        let cameras = FakeCameras(["x1c": .failure(reason: "camera switched off", permanent: true)])
        let hub = CameraHub(makeSource: cameras.factory)
        let frames = try await hub.subscribe("x1c")
        var count = 0
        for await _ in frames { count += 1 }
        #expect(count == 0)
        #expect(await hub.state(of: "x1c") == .failed(reason: "camera switched off"))
        #expect(await hub.isOpen("x1c") == false)
    }

    @Test func aPassingFailureFailsSnapshotsButKeepsTheSource() async throws {
        let cameras = FakeCameras(["x1c": .failure(reason: "connection reset", permanent: false)])
        let hub = CameraHub(makeSource: cameras.factory)
        await #expect(throws: CameraError("connection reset")) { try await hub.snapshot("x1c") }
        #expect(await hub.isOpen("x1c"))
        #expect(await hub.state(of: "x1c") == .failed(reason: "connection reset"))
        await hub.closeAll()
    }

    @Test func withoutAFactoryEveryCameraIsUnavailable() async throws {
        let hub = CameraHub(makeSource: nil)
        #expect(await hub.state(of: "x1c") == .unavailable(reason: "this daemon has no camera support"))
        await #expect(throws: CameraError("this daemon has no camera support")) { try await hub.subscribe("x1c") }
    }

    @Test func snapshotWriterSavesAJPEGUnderTheDirectory() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(20), size: 500)])
        let hub = CameraHub(makeSource: cameras.factory)
        let directory = NSTemporaryDirectory() + "snapshots-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = await SnapshotWriter(hub: hub, directory: directory).saveSnapshot(printerName: "x1c")
        guard case .saved(let path) = outcome else {
            Issue.record("not saved: \(outcome)")
            return
        }
        let name = (path as NSString).lastPathComponent
        #expect(path.hasPrefix(directory + "/x1c-"))
        #expect(name.wholeMatch(of: /x1c-\d{8}T\d{6}\.\d{3}Z\.jpg/) != nil, "\(name)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 500)
        #expect(bytes.prefix(2) == [0xFF, 0xD8])
        let missing = await SnapshotWriter(hub: hub, directory: directory).saveSnapshot(printerName: "ghost")
        #expect(missing == .failed(reason: "no camera source for ghost in this daemon"))
        await hub.closeAll()
    }
}
