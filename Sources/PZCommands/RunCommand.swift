import ArgumentParser
import Foundation
import PZGraph
import PZPatchIO
import PZReference
import PZRuntime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model on a patch: .pz with the fast executor, .pzir with the reference executor (pzconv run net.pz patch.bin -o out.bin).",
        discussion: """
        Patches are read and written in the source model's layout (NCDHW for Caffe, NDHWC for a \
        channels_last Keras model): raw little-endian float32 .bin, .npy, or file.h5:/dataset. \
        Arrays may omit the leading batch dimension of 1. The output format follows the extension of -o; \
        a dataset written into an HDF5 file that exists replaces only that dataset (the file's other \
        objects are kept).

        Examples:
          pzconv run net.pz patch.bin -o out.bin
          pzconv run net.pzir patch.npy -o out.npy
          pzconv run net.pz volume.h5:/raw -o prediction.h5:/affinity
        """
    )

    @Argument(help: "The model: .pz (fast executor) or .pzir (reference executor).")
    var model: String

    @Argument(help: "Input patches, one per model input, in the model's input order.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Where to write an output; repeat for models with several outputs, in output order.")
    var output: [String] = []

    @OptionGroup var executorOptions: ExecutorOptions
    @OptionGroup var memoryOptions: MemoryOptions

    func run() throws {
        let packed = model.hasSuffix(".pz")
            ? try ModelFile.loadPacked(model, instructionSet: executorOptions.instructionSet(), memoryLimit: memoryOptions.limit) : nil
        let graph = try packed?.graph ?? ModelFile.loadGraph(model)
        let inputNodes = graph.inputNodes
        guard inputs.count == inputNodes.count else {
            throw CommandError("\(model) takes \(inputNodes.count) input(s) "
                               + "(\(inputNodes.map { "'\($0.outputs[0])'" }.joined(separator: ", "))), got \(inputs.count)")
        }
        guard output.count <= graph.outputs.count else {
            throw CommandError("\(model) has \(graph.outputs.count) output(s), got \(output.count) -o options")
        }
        let destinations = try output.map { try PatchLocation($0) }
        var feeds: [String: Tensor] = [:]
        for (node, specification) in zip(inputNodes, inputs) {
            guard case .input(let parameters) = node.op else { continue }
            feeds[node.outputs[0]] = try PatchIO.read(try PatchLocation(specification), shape: parameters.shape,
                                                      layout: parameters.sourceLayout, inputName: node.outputs[0]) {
                try HDF5Isolation.readDataset(path: $0, dataset: $1, memoryLimit: memoryOptions.limit)
            }
        }
        let results: [String: Tensor]
        do {
            results = try packed.map {
                try FastExecutor(model: $0, threads: executorOptions.threadCount).run(inputs: feeds)
            } ?? ReferenceExecutor(graph: graph, memoryLimit: memoryOptions.limit).run(inputs: feeds)
        } catch let error as MemoryLimitError {
            throw CommandError("\(model): \(error)")
        }
        for (index, graphOutput) in graph.outputs.enumerated() {
            let tensor = results[graphOutput.tensor]!
            let layout = graphOutput.sourceLayout
            var line = "\(graphOutput.tensor): \(layout.sourceShape(fromCanonical: tensor.shape).shapeDescription) (\(layout))"
                + " " + TensorSummary(tensor.values).text
            if index < destinations.count {
                try write(tensor, layout: layout, to: destinations[index])
                line += " → \(destinations[index])"
            }
            print(line)
        }
    }

    /// Writes an output. A dataset in an HDF5 file that exists is put there
    /// without touching the file's other objects (`HDF5Output`).
    private func write(_ tensor: Tensor, layout: DataLayout, to location: PatchLocation) throws {
        guard case .hdf5(let file, let dataset) = location, FileManager.default.fileExists(atPath: file) else {
            return try PatchIO.write(tensor, layout: layout, to: location)
        }
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("pzconv-run-\(UUID().uuidString).npy").path
        defer { unlink(staging) }
        try PatchIO.write(tensor, layout: layout, to: .npy(path: staging))
        try HDF5Output.store(staging, as: dataset, in: file, identity: "pzconv run \(model)", memoryLimit: memoryOptions.limit)
    }
}

/// min / max / mean of a tensor, for one-line summaries.
struct TensorSummary {
    let minimum: Float
    let maximum: Float
    let mean: Double

    init(_ values: [Float]) {
        minimum = values.min() ?? 0
        maximum = values.max() ?? 0
        mean = values.isEmpty ? 0 : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    }

    var text: String {
        String(format: "min %.6g max %.6g mean %.6g", Double(minimum), Double(maximum), mean)
    }
}
