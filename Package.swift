// swift-tools-version:6.0
// SPDX-License-Identifier: AGPL-3.0-or-later
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode plus the upcoming features swift-log and Hummingbird use.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "bambu-serial",
    products: [
        .executable(name: "bambu-serial", targets: ["BambuBridge"]),
        .executable(name: "bambu-serial-bench", targets: ["BambuSerialBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    ],
    targets: [
        // Pure centre: the Swift standard library only (checked by .ci/check-imports.sh).
        .target(name: "GCode", swiftSettings: strict),
        .target(name: "BambuModel", swiftSettings: strict),
        .target(name: "BridgeCore", dependencies: ["GCode", "BambuModel"], swiftSettings: strict),
        .target(
            name: "BambuSimulator", dependencies: ["BambuModel"], exclude: ["ftps_server.py", "camera_server.py"], swiftSettings: strict
        ),

        // Configuration edge: TOMLKit and the file system.
        .target(
            name: "BridgeConfig",
            dependencies: ["BambuModel", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),

        // Application layer: ports, the per-printer session driver.
        .target(
            name: "BridgeRuntime",
            dependencies: [
                "BridgeCore", "BridgeConfig", "BambuModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // C libraries, one module each; shim.h holds the wrappers Swift cannot call directly.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // FFmpeg is not linked: CameraAdapter loads it with dlopen when a camera is first watched (its
        // dependency tree is most of a process's mapped libraries). Headers only, from the -dev packages.
        .systemLibrary(name: "CLibAV", providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Adapters: each owns one C library family (or NIO) and nothing else.
        .target(
            name: "PTYAdapter",
            dependencies: [
                "BridgeRuntime",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "MQTTAdapter",
            dependencies: [
                "BridgeRuntime", "CMosquitto", "COpenSSL", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FTPSAdapter",
            dependencies: [
                "BridgeRuntime", "CCurl", "COpenSSL", "CZlib", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CameraAdapter",
            dependencies: ["BridgeRuntime", "CLibAV", "CTurboJPEG", "COpenSSL", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "HTTPAdapter",
            dependencies: [
                "BridgeRuntime", "BridgeConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SystemdAdapter",
            dependencies: ["BridgeRuntime", "CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        // Composition root.
        .executableTarget(
            name: "BambuBridge",
            dependencies: [
                "BridgeRuntime", "BridgeConfig", "PTYAdapter", "MQTTAdapter", "FTPSAdapter", "CameraAdapter",
                "SystemdAdapter", "HTTPAdapter", "BambuSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // Measuring tools for Benchmarks/ (pty echo floor, serial client, report ingest).
        .executableTarget(
            name: "BambuSerialBench", dependencies: ["BambuModel"], path: "Benchmarks/BambuSerialBench",
            swiftSettings: strict
        ),

        // Test support: fakes for every port, the fixture locator.
        .target(
            name: "BridgeTestSupport",
            dependencies: ["BridgeRuntime", "BridgeCore", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/BridgeTestSupport",
            swiftSettings: strict
        ),

        .testTarget(name: "GCodeTests", dependencies: ["GCode"], swiftSettings: strict),
        .testTarget(name: "BambuModelTests", dependencies: ["BambuModel", "BridgeTestSupport"], swiftSettings: strict),
        .testTarget(name: "BridgeCoreTests", dependencies: ["BridgeCore", "GCode", "BridgeTestSupport"], swiftSettings: strict),
        .testTarget(name: "BambuSimulatorTests", dependencies: ["BambuSimulator", "BambuModel"], swiftSettings: strict),
        .testTarget(name: "BridgeConfigTests", dependencies: ["BridgeConfig", "BridgeTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "SystemdAdapterTests",
            dependencies: ["SystemdAdapter", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "BridgeTestSupport", "BridgeCore", "CameraAdapter", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FTPSAdapterTests", dependencies: ["FTPSAdapter", "BridgeTestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HTTPAdapterTests",
            dependencies: [
                "HTTPAdapter", "BridgeRuntime", "BridgeConfig", "BridgeCore", "BambuModel", "BridgeTestSupport",
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CameraAdapterTests",
            dependencies: ["CameraAdapter", "BridgeRuntime", "BridgeTestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["BridgeTestSupport", "BridgeRuntime", "PTYAdapter"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (libFuzzer), only with BAMBU_FUZZ=1 so ordinary builds and tests never see them:
// `make fuzz` builds them with -sanitize=fuzzer,address into .build-fuzz and runs them.
if Context.environment["BAMBU_FUZZ"] == "1" {
    let fuzzer: [SwiftSetting] = strict + [.unsafeFlags(["-parse-as-library"])]
    package.targets += [
        .target(
            name: "FuzzSupport", dependencies: ["BridgeCore", "BambuModel"], path: "Tests/Fuzz/FuzzSupport",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "HostLineFuzzer", dependencies: ["FuzzSupport", "BridgeCore", "GCode", "BambuModel"],
            path: "Tests/Fuzz/HostLineFuzzer", swiftSettings: fuzzer
        ),
        .executableTarget(
            name: "ReportFuzzer", dependencies: ["FuzzSupport", "BridgeCore", "GCode", "BambuModel"],
            path: "Tests/Fuzz/ReportFuzzer", swiftSettings: fuzzer
        ),
    ]
}
