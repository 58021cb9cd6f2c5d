// swift-tools-version: 6.0
import PackageDescription

// The fast executor's kernels are compiled for a target CPU: `native` by default,
// overridable with PZCONV_TARGET_CPU (e.g. `x86-64-v3`, `znver4`, `skylake-avx512`)
// when the binary must run on other machines than the one that built it. Debug
// builds optimize the kernels too: the tests then check the code that ships, and
// unoptimized generic SIMD code would be a hundred times slower.
let targetCPU = Context.environment["PZCONV_TARGET_CPU"] ?? "native"
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", targetCPU]),
]

let package = Package(
    name: "pzconv",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pzconv", targets: ["pzconv"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .target(name: "CCaffeProto", dependencies: ["CProtobufC"], exclude: ["proto"]),

        // MARK: Support
        .target(name: "PZHDF5", dependencies: ["CHDF5"]),

        // MARK: Pipeline (graph IR → import → reference → passes → pack → runtime)
        .target(name: "PZGraph"),
        .target(name: "PZImport", dependencies: ["PZGraph", "PZHDF5", "CCaffeProto", "CProtobufC"]),
        .target(name: "PZReference", dependencies: ["PZGraph"]),
        .target(name: "PZPatchIO", dependencies: ["PZGraph", "PZHDF5"]),
        .target(name: "PZPasses", dependencies: ["PZGraph", "PZReference"]),
        .target(name: "PZRuntime", dependencies: ["PZGraph", "PZReference"], swiftSettings: kernelSettings),
        .target(name: "PZPack", dependencies: ["PZGraph", "PZRuntime"]),

        // MARK: Command line
        .target(name: "PZCommands", dependencies: [
            "PZGraph", "PZImport", "PZReference", "PZPatchIO", "PZPasses", "PZPack", "PZRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "pzconv", dependencies: ["PZCommands"]),

        // MARK: Tests
        .target(name: "PZTestSupport", dependencies: ["PZGraph"], path: "Tests/PZTestSupport"),
        .testTarget(name: "CLibraryTests", dependencies: ["CCaffeProto", "PZHDF5", "PZTestSupport"]),
        .testTarget(name: "PZGraphTests", dependencies: ["PZGraph", "PZTestSupport"]),
        .testTarget(name: "PZImportTests", dependencies: ["PZImport", "PZGraph", "PZReference", "PZPatchIO", "PZHDF5",
                                                         "PZTestSupport"]),
        .testTarget(name: "PZPassesTests", dependencies: ["PZPasses", "PZGraph", "PZReference", "PZImport", "PZPatchIO",
                                                         "PZTestSupport"]),
        .testTarget(name: "PZReferenceTests", dependencies: ["PZReference", "PZGraph", "PZTestSupport"]),
        .testTarget(name: "PZPatchIOTests", dependencies: ["PZPatchIO", "PZHDF5", "PZTestSupport"], exclude: ["Data"]),
        .testTarget(name: "PZRuntimeTests", dependencies: ["PZRuntime", "PZPack", "PZGraph", "PZReference", "PZTestSupport"]),
        .testTarget(name: "PZPackTests", dependencies: ["PZPack", "PZRuntime", "PZGraph", "PZTestSupport"]),
        .testTarget(name: "PZCommandsTests", dependencies: ["pzconv", "PZGraph", "PZPatchIO", "PZTestSupport"]),
    ]
)
