import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

/// Hostile and absurd files, end to end: every one gets a one-line error naming
/// the file and the field, exit status 1, and leaves no output file behind.
@Suite struct HostileFileTests {
    /// Runs `arguments`, expects the refusal, and checks no `output` was written.
    private func expectRefused(_ arguments: [String], output: String?, mentioning parts: [String],
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 1, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(result.stderr.contains(part), "\(result.stderr) lacks \(part)", sourceLocation: sourceLocation)
        }
        if let output {
            #expect(!FileManager.default.fileExists(atPath: output), "\(output) was written", sourceLocation: sourceLocation)
        }
    }

    /// A 1×1×1 convolution over `shape`, as a `.pzir`.
    private func convolutionModel(_ shape: [Int], in directory: String, name: String = "net") throws -> String {
        var b = GraphBuilder(name: name, seed: 3)
        let x = b.input("x", shape: shape)
        let conv = b.convolution("conv", x, inputChannels: shape[1], ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 1]))
        b.output(conv)
        let path = directory + "/\(name).pzir"
        try PZIRFile.write(b.graph, to: path)
        return path
    }

    /// The pooling window of the first report: 2^20 on every axis. Import refuses
    /// it before writing anything, so no later command meets it.
    /// `export --strict` with a node on the reference kernel: one line naming the
    /// model and the node, exit 1, no .pz written.
    @Test func strictExportWithAReferenceNodeIsRefused() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try convolutionModel([1, 4, 5, 8, 8], in: directory)
        let output = directory + "/net.pz"
        let node = try #require(PZIRFile.read(from: model).nodes.first { $0.name != "data" && $0.op.typeName == "Convolution" }?.name)
        try expectRefused(["export", model, "-o", output, "--strict", "--no-passes", "--reference-kernel", node],
                          output: output, mentioning: [model, "--strict", "'\(node)'", "nothing was written"])
    }

    @Test func absurdPoolingWindowIsRefusedAtImport() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let prototxt = directory + "/pool.prototxt"
        try """
        name: "p"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 8 dim: 8 dim: 8 } } }
        layer { name: "pool" type: "Pooling" bottom: "data" top: "pool"
                pooling_param { pool: MAX kernel_size: 1048576 kernel_size: 1048576 kernel_size: 1048576 stride: 1 } }
        """.write(toFile: prototxt, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: directory + "/empty.caffemodel", contents: Data())
        try expectRefused(["import", prototxt, "--weights", directory + "/empty.caffemodel", "-o", directory + "/p.pzir"],
                          output: directory + "/p.pzir", mentioning: [prototxt, "layer 'pool' (Pooling)", "kernel 1048576"])
    }

    /// A `.pzir` is data too: a deconvolution padding of Int.min is named, not
    /// computed with, by every command that reads the file.
    @Test func absurdPaddingInAPZIRIsNamed() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        var b = GraphBuilder(name: "d", seed: 3)
        let x = b.input("x", shape: [1, 1, 4, 4, 4])
        let up = b.add("up", .deconvolution(ConvolutionParameters(outputChannels: 1, kernel: [2, 2, 2], stride: [2, 2, 2])),
                       inputs: [x], weights: [.weight: b.randomTensor([1, 1, 2, 2, 2])])
        b.output(up)
        let path = directory + "/d.pzir"
        let edited = JSONSurgery.rewrite(try PZIRFile.encode(b.graph)) {
            $0.replacingOccurrences(of: #""pad_begin" : \[\s*0"#, with: "\"pad_begin\" : [ \(Int.min)", options: .regularExpression)
        }
        try Data(edited).write(to: URL(fileURLWithPath: path))
        for command in [["inspect", path], ["export", path, "-o", directory + "/d.pz"],
                        ["optimize", path, "-o", directory + "/o.pzir"]] {
            try expectRefused(command, output: command.count > 2 ? command[3] : nil, mentioning: [path, "'up'", "pad_begin"])
        }
    }

    /// Activation buffers are sized by the file: a 2048³ input needs more memory
    /// than the limit, and the loader says so before allocating any of it.
    @Test func activationsBeyondTheMemoryLimitAreRefusedAtLoad() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let huge = try convolutionModel([1, 1, 2048, 2048, 2048], in: directory, name: "huge")
        let packed = directory + "/huge.pz"
        let export = try CLI.run(["export", huge, "-o", packed, "--no-passes"])
        #expect(export.status == 0, "\(export.stderr)")
        try expectRefused(["run", packed, directory + "/none.npy", "-o", directory + "/out.npy", "--max-memory", "16G"],
                          output: directory + "/out.npy",
                          mentioning: [packed, "its activation buffers need 1.0 TiB, more than the memory limit of 16.0 GiB",
                                       "--max-memory"])
        try expectRefused(["bench", packed, "--max-memory", "16G"], output: nil, mentioning: [packed, "activation buffers"])

        // The reference executor (a .pzir run) is held to the same limit.
        let small = try convolutionModel([1, 1, 8, 8, 8], in: directory)
        try NPYFile.write(shape: [1, 1, 8, 8, 8], values: [Float](repeating: 1, count: 512), to: directory + "/x.npy")
        try expectRefused(["run", small, directory + "/x.npy", "-o", directory + "/y.npy", "--max-memory", "1K"],
                          output: directory + "/y.npy",
                          mentioning: [small, "the reference executor's tensors need", "more than the memory limit of 1.0 KiB"])
        let within = try CLI.run(["run", small, directory + "/x.npy", "--max-memory", "1M"])
        #expect(within.status == 0, "\(within.stderr)")
    }

    /// Weights read from HDF5 count against the limit too (a compressed dataset
    /// may declare far more than its file holds).
    @Test func weightsBeyondTheMemoryLimitAreRefusedAtImport() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = TestPaths.fixture("keras/sequential-k2") + "/model.h5"
        try expectRefused(["import", model, "-o", directory + "/k.pzir", "--max-memory", "64"],
                          output: directory + "/k.pzir", mentioning: [model, "more than the memory limit of 64 bytes"])
        let bad = try CLI.run(["import", model, "-o", directory + "/k.pzir", "--max-memory", "lots"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("'lots' is not a memory size"))
    }
}
