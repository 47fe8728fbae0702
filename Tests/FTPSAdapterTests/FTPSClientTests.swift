// SPDX-License-Identifier: AGPL-3.0-or-later
// FTPSClient against Sources/BambuSimulator/ftps_server.py: transfers, errors, TLS modes, session reuse, failures.

import BridgeTestSupport
import FTPSAdapter
import Foundation
import Logging
import NIOConcurrencyHelpers
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The client against a real implicit-FTPS server that enforces TLS session reuse like the printers.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FTPSClientTests {
    // MARK: - Listing

    @Test func listsNamesSizesDirectoriesAndDates() async throws {
        try await withServer { server in
            let root = server.printer.root
            // An old file shows its year; a fresh one shows HH:MM.
            let oldDate = RemoteFileDate(year: 2023, month: 3, day: 4)
            let old = Date(timeIntervalSince1970: TimeInterval(oldDate.secondsSinceEpoch))
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: root + "/Benchy.gcode.3mf")
            let client = server.client()

            let top = try await client.list("/")
            let expected: Set = ["Benchy.gcode.3mf", "Calibration Cube.gcode.3mf", "cache", "logger", "timelapse"]
            #expect(Set(top.map(\.name)) == expected)
            let benchy = try #require(top.first { $0.name == "Benchy.gcode.3mf" })
            #expect(benchy.path == "/Benchy.gcode.3mf")
            #expect(benchy.size == fileSize(root + "/Benchy.gcode.3mf"))
            #expect(benchy.modified == RemoteFileDate(year: 2023, month: 3, day: 4))
            #expect(!benchy.isDirectory)
            let cube = try #require(top.first { $0.name == "Calibration Cube.gcode.3mf" })
            #expect(cube.size == fileSize(root + "/Calibration Cube.gcode.3mf"))
            let listed = try #require(cube.modified)
            #expect(abs(listed.secondsSinceEpoch - RemoteFileDate.now().secondsSinceEpoch) < 2 * 86_400)
            #expect(top.filter(\.isDirectory).map(\.name).sorted() == ["cache", "logger", "timelapse"])

            let cache = try await client.list("/cache")
            #expect(cache.map(\.path) == ["/cache/Phone stand.gcode.3mf"])
            #expect(cache.first?.size == fileSize(root + "/cache/Phone stand.gcode.3mf"))
            let videos = try await client.list("/timelapse/")
            #expect(videos.map(\.name) == ["video_2025-01-01_10-00-00.mp4"])
            #expect(try await client.list("/logger").map(\.name) == ["x.log"])
        }
    }

    @Test func oneServerProcessServesSeveralPrinters() async throws {
        try await withServer(rates: [0, 0, 0]) { server in
            for index in server.printers.indices {
                let names = try await server.client(index).list("/").map(\.name)
                #expect(names.contains("Benchy.gcode.3mf"))
            }
            // Each printer has its own access code.
            let wrongPrinter = server.client(1, password: server.printers[0].password)
            let error = await failure { _ = try await wrongPrinter.list("/") }
            #expect(error?.kind == .authentication)
        }
    }

    // MARK: - Transfers

    @Test func uploadStreamsAFileAndReportsProgressUpToTheTotal() async throws {
        try await withServer { server in
            let local = try localFile(in: server, named: "big job.gcode.3mf", bytes: 2_500_000)
            let reports = NIOLockedValueBox<[(Int64, Int64)]>([])
            let client = server.client()
            #expect(client.lastSeenFingerprint == nil)

            try await client.upload(localFile: local.path, to: "/uploads/new dir/big job.gcode.3mf") { sent, total in
                reports.withLockedValue { $0.append((sent, total)) }
            }

            let remote = server.printer.root + "/uploads/new dir/big job.gcode.3mf"
            let uploaded = try Data(contentsOf: URL(fileURLWithPath: remote))
            #expect(uploaded == local.data)
            let seen = reports.withLockedValue { $0 }
            #expect(seen.count >= 2)
            #expect(seen.last?.0 == 2_500_000)
            #expect(seen.allSatisfy { $0.1 == 2_500_000 })
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.0 <= $1.0 })
            #expect(client.lastSeenFingerprint == server.certificates.fingerprint)
        }
    }

    @Test func downloadRoundTripIsByteExact() async throws {
        try await withServer { server in
            let client = server.client()
            let bytes = (0..<1_200_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
            try await client.upload(bytes: bytes, to: "/cache/Round trip.gcode.3mf")
            #expect(try await client.size("/cache/Round trip.gcode.3mf") == bytes.count)

            let directory = try TemporaryDirectory.make(prefix: "ftps-download")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try await client.download("/cache/Round trip.gcode.3mf", to: directory + "/round trip.3mf")
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/round trip.3mf"))) == bytes)

            try await client.download("/cache/Phone stand.gcode.3mf", to: directory + "/phone.3mf")
            let stand = server.printer.root + "/cache/Phone stand.gcode.3mf"
            let original = try Data(contentsOf: URL(fileURLWithPath: stand))
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/phone.3mf")) == original)
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(left == ["phone.3mf", "round trip.3mf"])
        }
    }

    @Test func deleteMakeDirectoryRenameAndSize() async throws {
        try await withServer { server in
            let client = server.client()
            let root = server.printer.root

            try await client.makeDirectory("/model")
            #expect(isDirectory(root + "/model"))
            let again = try #require(await failure { try await client.makeDirectory("/model") })
            #expect(again.kind == .protocolError)
            #expect(again.message.hasPrefix("the printer refused to create /model (FTP 550"))
            try await client.upload(bytes: Array("G28\nG1 X10\n".utf8), to: "/model/a b.gcode")
            #expect(try await client.size("/model/a b.gcode") == 11)

            try await client.rename("/model/a b.gcode", to: "/model/c; d.gcode")
            #expect(!FileManager.default.fileExists(atPath: root + "/model/a b.gcode"))
            #expect(fileSize(root + "/model/c; d.gcode") == 11)
            #expect(try await client.list("/model").map(\.name) == ["c; d.gcode"])

            try await client.delete("/model/c; d.gcode")
            #expect(!FileManager.default.fileExists(atPath: root + "/model/c; d.gcode"))
            #expect(try await client.list("/model").isEmpty)
        }
    }

    // MARK: - Errors

    @Test func wrongAccessCodeIsAnAuthenticationError() async throws {
        try await withServer { server in
            let wrong = "wrong-code-9"
            let error = try #require(await failure { _ = try await server.client(password: wrong).list("/") })
            #expect(error.kind == .authentication)
            #expect(error.message == "the printer refused the access code (FTP 530)")
            #expect(!error.message.contains(wrong))
            #expect(!error.message.contains(server.printer.password))
        }
    }

    @Test func missingFilesAreNotFound() async throws {
        try await withServer { server in
            let client = server.client()
            let directory = try TemporaryDirectory.make(prefix: "ftps-missing")
            defer { try? FileManager.default.removeItem(atPath: directory) }

            let download = try #require(await failure { try await client.download("/x.3mf", to: directory + "/x.3mf") })
            #expect(download.kind == .notFound)
            #expect(download.message == "no such file /x.3mf")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)

            let inMissingDirectory = await failure { try await client.download("/nope/x.3mf", to: directory + "/y") }
            #expect(inMissingDirectory?.kind == .notFound)
            #expect(await failure { _ = try await client.size("/x.3mf") }?.kind == .notFound)
            #expect(await failure { try await client.delete("/x.3mf") }?.message == "no such file /x.3mf")
            #expect(await failure { try await client.rename("/x.3mf", to: "/y.3mf") }?.kind == .notFound)
            let listing = await failure { _ = try await client.list("/nope") }
            #expect(listing?.kind == .notFound)
            #expect(listing?.message == "no such directory /nope")
        }
    }

    @Test func unreachablePrinterSaysSo() async throws {
        let port = try FTPSTestServer.freePorts(1)[0]
        let endpoint = FTPSEndpoint(host: "127.0.0.1", port: port, password: "a1B2c3D4", security: .insecure)
        let logger = Logger(label: "ftps-test") { _ in SwiftLogNoOpLogHandler() }
        let client = FTPSClient(endpoint: endpoint, logger: logger)
        let error = try #require(await failure { _ = try await client.list("/") })
        #expect(error.kind == .unreachable)
        #expect(error.message.hasPrefix("cannot reach 127.0.0.1:\(port)"))
        #expect(!error.message.contains("a1B2c3D4"))
    }

    // MARK: - TLS

    @Test func certificateNamingAnotherSerialIsRefused() async throws {
        try await withServer { server in
            let client = server.client(security: .pinned(expectedName: "00M00A000000999", pin: nil))
            let error = try #require(await failure { _ = try await client.list("/") })
            #expect(error.kind == .tls)
            #expect(
                error.message == "TLS: certificate names '00M00A000000001', not the printer serial '00M00A000000999'"
            )
            #expect(!error.message.contains(server.printer.password))
        }
    }

    @Test func changedCertificateIsRefusedAndTheRightPinAccepted() async throws {
        try await withServer { server in
            let wrongPin = String(repeating: "ab", count: 32)
            let pinned = server.client(security: .pinned(expectedName: TestCertificates.serial, pin: wrongPin))
            let error = try #require(await failure { _ = try await pinned.list("/") })
            #expect(error.kind == .tls)
            #expect(error.message.contains("certificate changed"))
            #expect(error.message.contains(server.certificates.fingerprint))
            #expect(pinned.lastSeenFingerprint == server.certificates.fingerprint)

            let right = server.client(
                security: .pinned(
                    expectedName: TestCertificates.serial, pin: server.certificates.fingerprint.uppercased()
                )
            )
            #expect(try await right.list("/").isEmpty == false)
        }
    }

    @Test func caModeTrustsOnlyTheConfiguredCA() async throws {
        try await withServer { server in
            let certificates = server.certificates
            let serial = TestCertificates.serial
            let trusted = server.client(security: .ca(file: certificates.caCertificate, expectedName: serial))
            #expect(try await trusted.list("/").count == 5)
            #expect(trusted.lastSeenFingerprint == certificates.fingerprint)

            let other = server.client(security: .ca(file: certificates.otherCA, expectedName: TestCertificates.serial))
            let untrusted = try #require(await failure { _ = try await other.list("/") })
            #expect(untrusted.kind == .tls)
            #expect(untrusted.message.contains("not signed by the configured CA"))

            let missing = server.client(security: .ca(file: "/nonexistent/ca.pem", expectedName: serial))
            let unreadable = try #require(await failure { _ = try await missing.list("/") })
            #expect(unreadable.kind == .tls)
            #expect(unreadable.message.contains("cannot load CA file /nonexistent/ca.pem"))

            let wrongName = server.client(
                security: .ca(file: certificates.caCertificate, expectedName: "01P00A000000002")
            )
            #expect(await failure { _ = try await wrongName.list("/") }?.kind == .tls)
        }
    }

    @Test func insecureModeWorksAndStillRecordsTheFingerprint() async throws {
        try await withServer { server in
            let client = server.client(security: .insecure)
            let entries = try await client.list("/")
            #expect(entries.count == 5)
            #expect(client.lastSeenFingerprint == server.certificates.fingerprint)
        }
    }

    /// The server refuses a data connection that did a full TLS handshake (vsFTPd's
    /// `require_ssl_reuse`), so every passing transfer in this suite proves libcurl resumed the session.
    @Test func dataConnectionsMustResumeTheControlSession() async throws {
        try await withServer { server in
            let python = try FTPSTestServer.requirePython()
            let port = String(server.printer.port)

            let password = server.printer.password
            let withoutReuse = try Command.run(python, ["-c", Self.pythonClient, port, password, "fresh"])
            #expect(withoutReuse.output.contains("522 SSL connection failed; session reuse required"))
            let refused = await Wait.until(timeout: .seconds(5)) {
                server.log.contains { $0.contains("refused a data connection without TLS session reuse") }
            }
            #expect(refused)

            let withReuse = try Command.run(python, ["-c", Self.pythonClient, port, password, "reuse"])
            #expect(withReuse.output.contains("listed Benchy.gcode.3mf"))

            let client = server.client()
            try await client.upload(bytes: [1, 2, 3], to: "/reuse.bin")
            _ = try await client.list("/")
            try await client.download("/reuse.bin", to: server.directory + "/reuse.bin")
            let refusals = server.log.filter { $0.contains("refused a data connection") }
            #expect(refusals.count == 1)
        }
    }

    /// Python's ftplib over implicit TLS, with or without the control session on the data connection.
    static let pythonClient = """
        import ftplib, socket, ssl, sys
        port, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        class Implicit(ftplib.FTP_TLS):
            def connect(self, host, port):
                self.host, self.port = host, port
                self.sock = self.context.wrap_socket(socket.create_connection((host, port), 10))
                self.af, self.file = self.sock.family, self.sock.makefile("r", encoding="utf-8")
                self.welcome = self.getresp()
            def ntransfercmd(self, cmd, rest=None):
                conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
                session = self.sock.session if mode == "reuse" else None
                return self.context.wrap_socket(conn, session=session), size
        client = Implicit(context=context)
        client.connect("127.0.0.1", port)
        client.login("bblp", password)
        client.prot_p()
        try:
            print("listed", " ".join(client.nlst()))
        except ftplib.all_errors as error:
            print(error)
        """

    // MARK: - Failures during transfers

    @Test func printerDyingMidUploadFailsClearlyWithoutHanging() async throws {
        try await withServer { server in
            let local = try localFile(in: server, named: "large.gcode.3mf", bytes: 24_000_000)
            let pid = server.process.pid
            let killed = Atomic(false)
            let clock = ContinuousClock()
            let started = clock.now

            let error = try #require(
                await failure {
                    try await server.client().upload(localFile: local.path, to: "/large.gcode.3mf") { sent, _ in
                        if sent >= 2_000_000, !killed.exchange(true, ordering: .relaxed) { Glibc.kill(pid, SIGKILL) }
                    }
                }
            )
            let didKill = killed.load(ordering: .relaxed)
            #expect(didKill)
            #expect(error.kind == .unreachable)
            #expect(error.message.contains("127.0.0.1:\(server.printer.port)"))
            #expect(error.message.contains("upload of /large.gcode.3mf"))
            #expect(!error.message.contains(server.printer.password))
            #expect(clock.now - started < .seconds(30))
        }
    }

    @Test func cancellingAnUploadAbortsItAndRemovesThePartialFile() async throws {
        try await withServer(rates: [400_000]) { server in
            let local = try localFile(in: server, named: "slow.gcode.3mf", bytes: 4_000_000)
            let client = server.client()
            let halfway = AsyncStream<Void>.makeStream()
            let signalled = Atomic(false)

            let upload = Task {
                try await client.upload(localFile: local.path, to: "/slow.gcode.3mf") { sent, _ in
                    if sent >= 500_000, !signalled.exchange(true, ordering: .relaxed) { halfway.continuation.yield() }
                }
            }
            for await _ in halfway.stream { break }
            #expect(FileManager.default.fileExists(atPath: server.printer.root + "/slow.gcode.3mf"))
            upload.cancel()
            let error = await failure { try await upload.value }
            #expect(error?.kind == .cancelled)
            #expect(!FileManager.default.fileExists(atPath: server.printer.root + "/slow.gcode.3mf"))
        }
    }

    @Test func transfersToOnePrinterNeverOverlap() async throws {
        // Throttled so each upload lasts about a second: overlapping uploads would interleave their progress.
        try await withServer(rates: [300_000]) { server in
            let client = server.client()
            let order = EventLog()
            let first = try localFile(in: server, named: "first.gcode", bytes: 700_000)
            let second = try localFile(in: server, named: "second.gcode", bytes: 700_000)

            async let one: Void = client.upload(localFile: first.path, to: "/first.gcode") { _, _ in
                order.append("first")
            }
            async let two: Void = client.upload(localFile: second.path, to: "/second.gcode") { _, _ in
                order.append("second")
            }
            _ = try await (one, two)

            let events = order.events
            let switches = zip(events, events.dropFirst()).filter { $0 != $1 }.count
            #expect(events.count >= 4)
            #expect(switches == 1)
        }
    }

    @Test func serverStopsCleanlyOnSIGTERM() async throws {
        let server = try await FTPSTestServer()
        #expect(try await server.client().list("/").isEmpty == false)
        #expect(await server.stop() == 0)
    }

    // MARK: - Helpers

    /// Runs `body` against a fresh server and stops the server afterwards, also when `body` throws.
    private func withServer(rates: [Int] = [0], _ body: (FTPSTestServer) async throws -> Void) async throws {
        let server = try await FTPSTestServer(rates: rates)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func failure(_ body: () async throws -> Void) async -> FTPSError? {
        do {
            try await body()
            return nil
        } catch let error as FTPSError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    private func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    }

    private func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// A local file of `bytes` pseudo-random bytes, in the server's directory (removed with it).
    private func localFile(
        in server: FTPSTestServer, named name: String, bytes: Int
    ) throws -> (path: String, data: Data) {
        let directory = server.directory + "/local"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = SplitMix(seed: UInt64(bytes))
        var data = Data(count: bytes)
        data.withUnsafeMutableBytes { buffer in
            for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: generator.next()) }
        }
        let path = directory + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return (path, data)
    }
}

/// Strings appended from any thread.
private final class EventLog: Sendable {
    private let storage = NIOLockedValueBox<[String]>([])
    var events: [String] { storage.withLockedValue { $0 } }
    func append(_ event: String) { storage.withLockedValue { $0.append(event) } }
}

/// A tiny deterministic generator for test data.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
