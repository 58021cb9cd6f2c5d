import Foundation
import PZGraph
import PZReference
import PZRuntime

/// One model as `predict` runs it: a function from one tile's input (C × the
/// input patch, C-major) to its output (the first graph output's channels × the
/// output patch), on the fast executor (.pz) or the reference executor (.pzir).
package final class ModelRunner {
    package let inputChannels: Int
    package let inputPatch: [Int]
    package let outputChannels: Int
    package let outputPatch: [Int]
    /// SHA-256 of the model file, hex.
    package let digest: String
    /// The normalization the model states for its input (`import --normalize`).
    package let normalization: InputNormalization?
    private let inputName: String
    private let outputName: String
    private let fast: FastExecutor?
    private let reference: ReferenceExecutor?

    /// Loads the model; with `patch` (D, H, W), re-plans it in memory for that
    /// input patch (a `.pz` gets the plan `export` would make for this CPU).
    convenience init(path: String, options: ExecutorOptions, memoryLimit: MemoryLimit, patch: [Int]? = nil) throws {
        let packed = path.hasSuffix(".pz")
            ? try ModelFile.loadPacked(path, instructionSet: options.instructionSet(), memoryLimit: memoryLimit,
                                       inputPatch: patch)
            : nil
        var graph = try packed?.graph ?? ModelFile.loadGraph(path)
        if let patch {
            let ownPatch = try packed?.resizedFrom ?? Array(Self.volumeInput(of: graph, path: path).shape[2...])
            try Self.checkFieldOfView(of: graph, patch: patch, ownPatch: ownPatch, path: path)
            if packed == nil { graph = try Self.resized(graph, patch: patch, path: path) }
        }
        try self.init(packed: packed, graph: graph, digest: SHA256.hexDigest(try readFileBytes(path)),
                      threads: options.threadCount, memoryLimit: memoryLimit, name: path)
    }

    /// A model loaded already: `packed` runs on the fast executor with `threads`,
    /// else `graph` on the reference executor; `digest` identifies it in an
    /// output's records, `name` in errors.
    package init(packed: PackedModel?, graph: Graph, digest: String, threads: Int, memoryLimit: MemoryLimit,
                 name path: String) throws {
        self.digest = digest
        let parameters = try Self.volumeInput(of: graph, path: path)
        guard let first = graph.outputs.first else { throw CommandError("\(path): the model has no output") }
        let shapes = try graph.inferShapes()
        guard let outputShape = shapes[first.tensor], outputShape.count == 5 else {
            throw CommandError("\(path): output '\(first.tensor)' is not 3-D (N, C, D, H, W)")
        }
        inputName = graph.inputNodes[0].outputs[0]
        outputName = first.tensor
        inputChannels = parameters.shape[1]
        normalization = parameters.normalization
        inputPatch = Array(parameters.shape[2...])
        outputChannels = outputShape[1]
        outputPatch = Array(outputShape[2...])
        if let packed {
            fast = FastExecutor(model: packed, threads: threads)
            reference = nil
        } else {
            fast = nil
            reference = try ReferenceExecutor(graph: graph, memoryLimit: memoryLimit)
        }
    }

    /// `graph`'s one input, 3-D with N = 1 (shape N, C, D, H, W).
    private static func volumeInput(of graph: Graph, path: String) throws -> InputParameters {
        guard graph.inputNodes.count == 1, case .input(let parameters) = graph.inputNodes[0].op,
              parameters.shape.count == 5, parameters.shape[0] == 1 else {
            throw CommandError("\(path): predict runs models with one 3-D input (N = 1, C, D, H, W)")
        }
        return parameters
    }

    /// Refuses a `--patch` smaller, on some axis, than both the net's field of
    /// view and its own patch: its outputs would see less of the volume than
    /// they did in training. (Many U-Nets' field of view exceeds their own patch;
    /// that patch is never refused.)
    private static func checkFieldOfView(of graph: Graph, patch: [Int], ownPatch: [Int], path: String) throws {
        let field = FieldOfView(graph).size
        let smallest = (0..<3).map { min(field[$0], ownPatch[$0]) }
        guard (0..<3).contains(where: { patch[$0] < smallest[$0] }) else { return }
        func text(_ values: [Int], _ separator: String) -> String { values.map(String.init).joined(separator: separator) }
        throw CommandError("\(path): --patch \(text(patch, ",")) is smaller than the net's field of view "
                           + "(\(text(field, "×")) input voxels; its own patch is \(text(ownPatch, "×"))): "
                           + "use at least \(text(smallest, ","))")
    }

    /// `graph` with its one 3-D input resized to `patch`, shapes checked.
    private static func resized(_ graph: Graph, patch: [Int], path: String) throws -> Graph {
        do {
            let resized = try graph.resizingInput(to: patch)
            _ = try resized.validate()
            return resized
        } catch let error as GraphError {
            throw CommandError("\(path): cannot run at --patch \(patch.map(String.init).joined(separator: ",")): \(error)")
        }
    }

    package func run(_ input: [Float]) throws -> [Float] {
        let tensor = Tensor(shape: [1, inputChannels] + inputPatch, values: input)
        let outputs = try fast?.run(inputs: [inputName: tensor]) ?? reference!.run(inputs: [inputName: tensor])
        guard let output = outputs[outputName] else { throw CommandError("the model returned no '\(outputName)'") }
        return output.values
    }
}
