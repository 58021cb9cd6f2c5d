// swift-tools-version: 6.0
// The fuzz targets: one libFuzzer executable per input format pzconv reads, each
// running that format's body from the root package's PZFuzzTargets. Build and run
// them with Scripts/fuzz.sh (see its header for the build command).
import PackageDescription

/// Executable target name → the `FuzzTarget` (PZFuzzTargets) it runs.
let fuzzers = [
    "FuzzPrototxt": "prototxt",
    "FuzzCaffemodel": "caffemodel",
    "FuzzCaffeH5": "caffeH5",
    "FuzzKerasJSON": "kerasJSON",
    "FuzzKerasH5": "kerasH5",
    "FuzzPZIR": "pzir",
    "FuzzPZ": "pz",
    "FuzzNPY": "npy",
    "FuzzZarray": "zarray",
    "FuzzZarrChunk": "zarrChunk",
    "FuzzNIfTI": "nifti",
    "FuzzONNX": "onnx",
]

let package = Package(
    name: "PZFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "pzconv", path: ".."),
    ],
    targets: fuzzers.keys.sorted().map { name in
        .executableTarget(name: name, dependencies: [.product(name: "PZFuzzTargets", package: "pzconv")])
    }
)
