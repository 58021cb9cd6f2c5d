import Foundation
import PZGraph
import PZHDF5

/// One fuzz target: a body that consumes the bytes of one input file of a format
/// and ignores the errors a hostile input is meant to produce. A crash, a hang or
/// a leak in a body is a bug in the library. The fuzz executables in Fuzz/ and
/// the replay tests (Tests/PZFuzzRegressionTests) run these same bodies.
public struct FuzzTarget: Sendable {
    /// The name `Scripts/fuzz.sh` knows the target by, and the name of its corpus
    /// and regression folders (`Fuzz/Corpus/<name>`).
    public let name: String
    /// What an input is and what the body does with it.
    public let summary: String
    /// Whether an input reaches libhdf5 (from a fuzzed file, not a fixed one).
    public let readsHDF5: Bool
    private let body: @Sendable ([UInt8]) -> Void

    init(name: String, summary: String, readsHDF5: Bool = false, body: @escaping @Sendable ([UInt8]) -> Void) {
        self.name = name
        self.summary = summary
        self.readsHDF5 = readsHDF5
        self.body = body
    }

    /// Consumes one input.
    public func run(_ bytes: [UInt8]) { body(bytes) }

    /// Consumes one input given as libFuzzer gives it; for an HDF5 target, then
    /// resets libhdf5 (`HDF5Library.reset`), so that every input meets the library
    /// as a one-file `pzconv` process does and a crash reproduces from its input
    /// alone. Only for the single-threaded fuzz executables: the reset must not
    /// run while another thread uses libhdf5.
    public func run(_ start: UnsafeRawPointer, _ count: Int) {
        run(Array(UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count)))
        if readsHDF5 { HDF5Library.reset() }
    }

    /// Every target, in the order `Scripts/fuzz.sh all` runs them.
    public static let all: [FuzzTarget] = [
        .prototxt, .caffemodel, .pzir, .pz, .kerasJSON, .npy, .zarray, .zarrChunk, .nifti, .onnx, .kerasH5, .caffeH5,
    ]

    /// The target called `name`.
    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// The memory limit every body imports and loads with: a hostile size must be
    /// refused by the library's checks, well under libFuzzer's -rss_limit_mb.
    static let memoryLimit = MemoryLimit(bytes: 256 << 20)

    /// A body runs a model it loaded only when it takes at most this many FLOPs.
    static let runnableFlops = 2_000_000
}

/// Fixed files the bodies pair with their input (a net's prototxt for fuzzed
/// weights, weights for a fuzzed net), read from Fixtures/ once.
enum FuzzFixture {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func bytes(_ relativePath: String) -> [UInt8] {
        let path = packageRoot.appendingPathComponent("Fixtures").appendingPathComponent(relativePath).path
        guard let data = FileManager.default.contents(atPath: path) else {
            fatalError("fuzz fixture \(path) is missing")
        }
        return [UInt8](data)
    }

    static func text(_ relativePath: String) -> String { String(decoding: bytes(relativePath), as: UTF8.self) }
}
