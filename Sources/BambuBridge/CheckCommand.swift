// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial check <printer>`: test one printer's MQTT and FTPS logins and say what failed.

import ArgumentParser
import BambuModel
import BridgeConfig
import BridgeRuntime
import FTPSAdapter
import Foundation
import Logging
import MQTTAdapter

/// Tests the connection to one printer, step by step.
///
/// Exists for the first set-up (the seed's "Test Connection"): it reports exactly which step
/// failed (address, TLS name or pin, access code, reports, file storage) with the configured
/// trust mode, without the daemon.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Test one printer's MQTT and FTPS logins and report what failed.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The printer's name in the configuration.")
    var printer: String

    @Option(name: .long, help: "Seconds to wait for each step.")
    var timeout: Int = 15

    func run() async throws {
        var logger = Logger(label: "bambu-serial-check")
        logger.logLevel = .critical
        let (configuration, target) = try options.loadPrinter(named: printer)
        print("\(target.name): \(target.model.productName) \(target.serial) at \(target.host)")
        let pins = CertificatePinStore(stateDirectory: configuration.bridge.stateDirectory)
        let mqttOK = await checkMQTT(target, pins: pins, logger: logger)
        let ftpsOK = await checkFTPS(target, pins: pins, logger: logger)
        if !(mqttOK && ftpsOK) { throw ExitCode(1) }
    }

    private func checkMQTT(_ target: PrinterConfiguration, pins: CertificatePinStore, logger: Logger) async -> Bool {
        let security = target.mqttSecurity(pins: pins)
        MosquittoLibrary.initialize()
        let client: MQTTClient
        do {
            client = try MQTTClient(
                endpoint: MQTTEndpoint(
                    host: target.host, port: target.mqttPort, username: "bblp", password: target.accessCode.value,
                    clientID: "bambu-serial-check-\(UInt32.random(in: 0...UInt32.max))", security: security,
                    subscriptions: ["device/\(target.serial)/report"]),
                logger: logger)
        } catch {
            print("  MQTT  FAILED: \(error)")
            return false
        }
        client.start()
        defer { Task { await client.stop() } }
        let verdict = await withTaskGroup(of: String?.self) { group -> String? in
            group.addTask {
                var connected = false
                for await event in client.events {
                    switch event {
                    case .connected(let fingerprint):
                        connected = true
                        print("  MQTT  ok: logged in to \(target.host):\(target.mqttPort) as bblp; TLS certificate names \(target.serial)"
                            + (fingerprint.map { " (SHA-256 \($0))" } ?? ""))
                        client.publish(
                            topic: "device/\(target.serial)/request",
                            payload: Array(#"{"pushing":{"sequence_id":"19999","command":"pushall","version":1,"push_target":1}}"#.utf8),
                            qos: 1)
                    case .disconnected(let failure, _):
                        return "  MQTT  FAILED: \(failure.message)"
                    case .message:
                        if connected { return "  MQTT  ok: the printer sends reports" }
                    case .connecting:
                        continue
                    }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return "  MQTT  FAILED: no answer within \(timeout) s (is the printer on, in LAN mode, at \(target.host):\(target.mqttPort)?)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        print(verdict ?? "  MQTT  FAILED: no answer")
        return verdict?.contains("ok:") == true
    }

    private func checkFTPS(_ target: PrinterConfiguration, pins: CertificatePinStore, logger: Logger) async -> Bool {
        CurlLibrary.initialize()
        let client = FTPSClient(endpoint: target.ftpsEndpoint(pins: pins), logger: logger)
        do {
            let files = try await client.list("/")
            print("  FTPS  ok: logged in to \(target.host):\(target.ftpsPort); \(files.count) entries in /")
            return true
        } catch {
            print("  FTPS  FAILED: \(error)")
            return false
        }
    }
}
