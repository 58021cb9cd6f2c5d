// swift-tools-version: 6.0
import PackageDescription

import Foundation

// The fast executor's kernels are built twice from one source (Sources/PZKernels;
// Sources/PZKernelsAVX512 is a link to it): PZKernelsAVX2 for AVX2 + FMA (16 ymm
// registers) and PZKernelsAVX512 for AVX-512 (32 zmm registers, PZCONV_AVX512
// defined); the runtime picks the build the CPU runs (PZCONV_ISA=avx2 forces the
// AVX2 one). Each is compiled -Ounchecked for a target CPU: the build's own CPU
// (`native`) for the build of its instruction set, and the baseline of the other
// (haswell for AVX2, skylake-avx512 for AVX-512) so that one binary serves both.
// PZCONV_TARGET_CPU names another CPU for the build of its instruction set (e.g.
// `x86-64-v3` or `haswell` for a portable AVX2 build, `znver4`,
// `skylake-avx512`); x86-64-v3 and x86-64-v4 stand for haswell and
// skylake-avx512, which the Swift compiler names. Debug builds optimize the
// kernels too: the tests then check the code that ships, and unoptimized generic
// SIMD code would be a hundred times slower.
let requestedCPU = Context.environment["PZCONV_TARGET_CPU"] ?? "native"
let aliases = ["x86-64-v3": "haswell", "x86-64-v4": "skylake-avx512"]
let targetCPU = aliases[requestedCPU] ?? requestedCPU
let avx512CPUs: Set<String> = [
    "skylake-avx512", "skx", "cascadelake", "cooperlake", "cannonlake", "icelake-client", "icelake-server", "rocketlake",
    "tigerlake", "sapphirerapids", "emeraldrapids", "graniterapids", "graniterapids-d", "diamondrapids", "znver4", "znver5",
]
/// Whether `cpu` (a -target-cpu name; `native`: this machine) has AVX-512F.
func hasAVX512(_ cpu: String) -> Bool {
    guard cpu == "native" else { return avx512CPUs.contains(cpu) }
    let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    return flags.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").contains("avx512f") ?? false
}
#if arch(x86_64)
let (avx2CPU, avx512CPU) = hasAVX512(targetCPU) ? ("haswell", targetCPU) : (targetCPU, "skylake-avx512")
#else
let (avx2CPU, avx512CPU) = (targetCPU, targetCPU)
#endif
func kernelSettings(cpu: String) -> [SwiftSetting] { [.unsafeFlags(["-Ounchecked", "-target-cpu", cpu])] }

let package = Package(
    name: "pzconv",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pzconv", targets: ["pzconv"]),
        // The C API (include/pzconv.h) as a shared library. SwiftPM names the file
        // libPZLibrary.so (the name pzconv is the executable's); Scripts/install-library.sh
        // installs it as libpzconv.so with the header, the executable and the Swift runtime.
        .library(name: "PZLibrary", type: .dynamic, targets: ["PZLibrary"]),
        // The fuzz targets' bodies, for the fuzz package in Fuzz/ (not part of pzconv).
        .library(name: "PZFuzzTargets", targets: ["PZFuzzTargets"]),
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
        .systemLibrary(name: "CBlosc", pkgConfig: "blosc",
                       providers: [.apt(["libblosc-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4",
                       providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // No pkg-config file: its headers' own includes need -I/usr/include/nifti,
        // given to PZVolume, which imports CNIfTI `internal` so no other target loads it.
        .systemLibrary(name: "CNIfTI", providers: [.apt(["libnifti2-dev"])]),
        .target(name: "CCaffeProto", dependencies: ["CProtobufC"], exclude: ["proto"]),
        // The official onnx.proto's protoc-c code (Scripts/generate-proto.sh).
        .target(name: "CONNXProto", dependencies: ["CProtobufC"], exclude: ["proto"]),
        .target(name: "CPZCPU"),

        // MARK: Support
        .target(name: "PZHDF5", dependencies: ["CHDF5", "PZGraph"]),

        // MARK: Pipeline (graph IR → import → reference → passes → pack → runtime)
        .target(name: "PZGraph"),
        // ONNX files as Swift values (decoding, encoding) and the IR → ONNX exporter.
        .target(name: "PZONNX", dependencies: ["PZGraph", "CONNXProto", "CProtobufC"]),
        .target(name: "PZImport", dependencies: ["PZGraph", "PZHDF5", "PZONNX", "CCaffeProto", "CProtobufC"]),
        .target(name: "PZReference", dependencies: ["PZGraph"]),
        .target(name: "PZPatchIO", dependencies: ["PZGraph", "PZHDF5"]),
        .target(name: "PZPasses", dependencies: ["PZGraph", "PZReference"]),
        .target(name: "PZVolume", dependencies: ["PZGraph", "PZPatchIO", "CZlib", "CBlosc", "CNIfTI", "CTIFF"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/nifti"])]),
        .target(name: "PZPack", dependencies: ["PZGraph", "CPZCPU"]),
        .target(name: "PZKernelsAVX2", dependencies: ["PZGraph", "PZPack"], path: "Sources/PZKernels",
                swiftSettings: kernelSettings(cpu: avx2CPU)),
        .target(name: "PZKernelsAVX512", dependencies: ["PZGraph", "PZPack"], path: "Sources/PZKernelsAVX512",
                swiftSettings: kernelSettings(cpu: avx512CPU) + [.define("PZCONV_AVX512")]),
        .target(name: "PZRuntime", dependencies: ["PZGraph", "PZReference", "PZPack", "PZKernelsAVX2", "PZKernelsAVX512"]),

        // MARK: Command line
        .target(name: "PZCommands", dependencies: [
            "PZGraph", "PZImport", "PZONNX", "PZReference", "PZPatchIO", "PZPasses", "PZPack", "PZRuntime", "PZVolume",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "pzconv", dependencies: ["PZCommands"]),
        // MARK: Library (the C API over the commands and the executors)
        .target(name: "PZLibrary", dependencies: [
            "PZCommands", "PZGraph", "PZReference", "PZRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Fuzzing (bodies shared by Fuzz/ and the regression replay tests)
        .target(name: "PZFuzzTargets", dependencies: ["PZGraph", "PZImport", "PZONNX", "PZHDF5", "PZReference", "PZPatchIO",
                                                      "PZPack", "PZRuntime", "PZVolume"]),

        // MARK: Tests
        .target(name: "PZTestSupport", dependencies: ["PZGraph", "PZPatchIO", "PZReference"], path: "Tests/PZTestSupport"),
        .testTarget(name: "CLibraryTests", dependencies: ["CCaffeProto", "PZHDF5", "PZTestSupport"]),
        .testTarget(name: "PZGraphTests", dependencies: ["PZGraph", "PZTestSupport"]),
        .testTarget(name: "PZImportTests", dependencies: ["PZImport", "PZONNX", "PZGraph", "PZReference", "PZPatchIO", "PZHDF5",
                                                         "PZTestSupport"]),
        .testTarget(name: "PZONNXTests", dependencies: ["PZONNX", "PZImport", "PZGraph", "PZReference", "PZPatchIO",
                                                       "PZTestSupport"]),
        .testTarget(name: "PZPassesTests", dependencies: ["PZPasses", "PZGraph", "PZReference", "PZImport", "PZPatchIO",
                                                         "PZTestSupport"]),
        .testTarget(name: "PZReferenceTests", dependencies: ["PZReference", "PZGraph", "PZTestSupport"]),
        .testTarget(name: "PZPatchIOTests", dependencies: ["PZPatchIO", "PZHDF5", "PZTestSupport"], exclude: ["Data"]),
        .testTarget(name: "PZRuntimeTests", dependencies: ["PZRuntime", "PZPack", "PZGraph", "PZReference", "PZTestSupport"]),
        .testTarget(name: "PZKernelsAVX2Tests", dependencies: ["PZKernelsAVX2", "PZPack"], path: "Tests/PZKernelsTests"),
        .testTarget(name: "PZKernelsAVX512Tests", dependencies: ["PZKernelsAVX512", "PZPack"], path: "Tests/PZKernelsAVX512Tests",
                    swiftSettings: [.define("PZCONV_AVX512")]),
        .testTarget(name: "PZVolumeTests", dependencies: ["PZVolume", "PZPatchIO", "PZTestSupport"]),
        .testTarget(name: "PZPackTests", dependencies: ["PZPack", "PZRuntime", "PZGraph", "PZTestSupport"]),
        .testTarget(name: "PZCommandsTests", dependencies: ["pzconv", "PZCommands", "PZGraph", "PZHDF5", "PZPatchIO", "PZVolume", "PZTestSupport"],
                    exclude: ["LibHDF5Crashes"]),
        // Builds Tests/PZLibraryTests/CProgram (C) against include/pzconv.h and libPZLibrary.so.
        .testTarget(name: "PZLibraryTests", dependencies: ["PZLibrary", "pzconv", "PZGraph", "PZPatchIO", "PZTestSupport"],
                    exclude: ["CProgram"]),
        .testTarget(name: "PZFuzzRegressionTests", dependencies: ["PZFuzzTargets", "PZTestSupport"],
                    exclude: ["FuzzRegressions"]),
    ]
)
