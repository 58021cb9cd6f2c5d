import PZGraph
import PZPasses
import PZPatchIO

/// The golden patches `optimize`, `verify` and `export` check a model on: a golden
/// directory (`input.npy`, `output.<name>.npy`) or an `input.npy:output.npy` pair
/// (without golden data, see `VerifiedOptimization`).
enum VerificationInputs {
    static func patches(for graph: Graph, golden: String) throws -> ([VerificationPatch], String) {
        if let separator = golden.range(of: ".npy:") {
            let inputPath = String(golden[..<separator.lowerBound]) + ".npy"
            let outputPath = String(golden[separator.upperBound...])
            return ([try pair(graph, inputPath: inputPath, outputPath: outputPath)], "golden pair \(golden)")
        }
        return ([try patch(graph, goldenDirectory: golden)], "golden patches from \(golden)")
    }

    /// The patch of a golden directory, inputs and outputs converted to the IR layout.
    static func patch(_ graph: Graph, goldenDirectory: String) throws -> VerificationPatch {
        let set = try GoldenSet(directory: goldenDirectory)
        let shapes = try graph.inferShapes()
        var expected: [String: Tensor] = [:]
        for output in graph.outputs {
            if let tensor = try set.expectedOutput(output, shape: shapes[output.tensor]!) { expected[output.tensor] = tensor }
        }
        guard !expected.isEmpty else {
            throw CommandError("\(goldenDirectory): no golden output matches the model's outputs ("
                               + graph.outputNames.joined(separator: ", ") + ")")
        }
        return VerificationPatch(inputs: try set.inputTensors(for: graph), expected: expected)
    }

    private static func pair(_ graph: Graph, inputPath: String, outputPath: String) throws -> VerificationPatch {
        guard graph.inputNodes.count == 1, graph.outputs.count == 1, case .input(let input) = graph.inputNodes[0].op else {
            throw CommandError("an input.npy:output.npy pair needs a model with one input and one output; give a golden directory")
        }
        let name = graph.inputNodes[0].outputs[0]
        let inputs = [name: try PatchIO.read(.npy(path: inputPath), shape: input.shape, layout: input.sourceLayout, inputName: name)]
        let output = graph.outputs[0]
        let shape = try graph.inferShapes()[output.tensor]!
        let expected = try PatchIO.read(.npy(path: outputPath), shape: shape, layout: output.sourceLayout, inputName: output.tensor)
        return VerificationPatch(inputs: inputs, expected: [output.tensor: expected])
    }
}
