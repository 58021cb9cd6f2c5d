import Foundation
import PZGraph
import PZPatchIO
import PZReference
import PZTestSupport
import Testing

@Suite struct RunAndInspectTests {
    /// A small channels_last model written to a temporary .pzir.
    private func model(in directory: String) throws -> (path: String, graph: Graph) {
        var b = GraphBuilder(name: "tiny", seed: 11)
        let x = b.input("data", shape: [1, 2, 3, 6, 6], layout: .ndhwc)
        let conv = b.convolution("conv", x, inputChannels: 2,
                                 ConvolutionParameters(outputChannels: 3, kernel: [1, 3, 3], padBegin: [0, 1, 1],
                                                       padEnd: [0, 1, 1]))
        let elu = b.add("elu", .activation(.elu(alpha: 1)), inputs: [conv])
        b.output(elu, layout: .ndhwc)
        let path = directory + "/tiny.pzir"
        try PZIRFile.write(b.graph, to: path)
        return (path, b.graph)
    }

    private func patch() -> Tensor {
        var random = SeededRandom(seed: 5)
        return Tensor(shape: [1, 2, 3, 6, 6], values: random.floats(216))
    }

    @Test(arguments: ["in.npy", "in.bin", "in.h5:/volume"])
    func runWritesTheReferenceOutput(_ inputName: String) throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let (path, graph) = try model(in: directory)
        let input = try PatchLocation(directory + "/" + inputName)
        try PatchIO.write(patch(), layout: .ndhwc, to: input)
        let result = try CLI.run(["run", path, input.description, "-o", directory + "/out.npy"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("elu: 1×3×6×6×3 (NDHWC) min"))
        let written = try NPYFile.read(directory + "/out.npy")
        #expect(written.shape == [1, 3, 6, 6, 3])
        let expected = try ReferenceExecutor(graph: graph).run(inputs: ["data": patch()])["elu"]!
        #expect(written.values == DataLayout.ndhwc.fromCanonical(expected.values, canonicalShape: expected.shape))
    }

    @Test func runRejectsAWrongSizedPatchAndWritesNothing() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let (path, _) = try model(in: directory)
        try Data(count: 100).write(to: URL(fileURLWithPath: directory + "/bad.bin"))
        let result = try CLI.run(["run", path, directory + "/bad.bin", "-o", directory + "/out.bin"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.bin: holds 100 bytes"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.bin"))
    }

    /// An HDF5 patch is read in the HDF5 worker process; its errors come back as
    /// the one line they were, naming the file and dataset.
    @Test func runRejectsAMissingOrWrongHDF5DatasetWithOneLine() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let (path, _) = try model(in: directory)
        try PatchIO.write(Tensor(shape: [1, 2, 3, 6, 5], values: [Float](repeating: 1, count: 180)), layout: .ndhwc,
                          to: .hdf5(path: directory + "/in.h5", dataset: "/volume"))
        for (dataset, message) in [("/volume", "has shape 1×3×6×5×2"), ("/absent", "/absent")] {
            let result = try CLI.run(["run", path, directory + "/in.h5:" + dataset, "-o", directory + "/out.npy"])
            #expect(result.status == 1)
            #expect(result.stderr.contains(directory + "/in.h5") && result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/out.npy"))
        }
    }

    @Test func runRejectsCorruptedAndForeignModels() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let (path, _) = try model(in: directory)
        var bytes = try readFileBytes(path)
        bytes[70] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/flipped.pzir"))
        try PatchIO.write(patch(), layout: .ndhwc, to: .npy(path: directory + "/in.npy"))
        let flipped = try CLI.run(["run", directory + "/flipped.pzir", directory + "/in.npy"])
        #expect(flipped.status != 0)
        #expect(flipped.stderr.contains("flipped.pzir: weight 'weight' of node 'conv' is corrupted (checksum mismatch)"))
        try Data("hello".utf8).write(to: URL(fileURLWithPath: directory + "/text.pzir"))
        let foreign = try CLI.run(["run", directory + "/text.pzir", directory + "/in.npy"])
        #expect(foreign.status != 0)
        #expect(foreign.stderr.contains("text.pzir: not a .pzir file (bad magic bytes)"))
        let count = try CLI.run(["run", path, directory + "/in.npy", directory + "/in.npy"])
        #expect(count.status != 0)
        #expect(count.stderr.contains("takes 1 input(s) ('data'), got 2"))
    }

    @Test func inspectPrintsNodesShapesAndTotals() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let (path, _) = try model(in: directory)
        let text = try CLI.run(["inspect", path])
        #expect(text.status == 0)
        #expect(text.stdout.contains("graph 'tiny'"))
        #expect(text.stdout.contains("data  1×3×6×6×2 (NDHWC)"))
        #expect(text.stdout.contains("conv  Convolution  1×3×3×6×6"))
        // 3 × 108 positions × 2·9 multiply-adds × 2 = 11664 FLOP.
        #expect(text.stdout.contains("total: 3 nodes, 57 parameters, 12.0 kFLOP per run"))
        #expect(text.stdout.contains("field of view: 1×3×3 input voxels (D×H×W) per output voxel"))
        let json = try CLI.run(["inspect", path, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let nodes = object["nodes"] as! [[String: Any]]
        #expect(nodes.map { $0["op"] as! String } == ["Input", "Convolution", "ELU"])
        #expect(nodes[1]["flops"] as! Int == 11664)
        #expect((object["totals"] as! [String: Any])["parameters"] as! Int == 57)
        #expect(object["fieldOfView"] as? [Int] == [1, 3, 3])
    }

}
