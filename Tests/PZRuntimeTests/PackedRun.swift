import Foundation
import PZGraph
import PZPack
import PZReference
import PZRuntime
import PZTestSupport
import Testing

/// The kernels' test harness: a graph is packed and planned at S lanes, written
/// to a `.pz`, loaded and run by the fast executor; its twin is the reference
/// executor on the same graph and inputs.
enum PackedRun {
    /// The fast executor's outputs for `graph` at `lanes`, on `threads` threads.
    static func outputs(_ graph: Graph, inputs: [String: Tensor], lanes: Int, winograd: Bool = true,
                        threads: Int = 2) throws -> [String: Tensor] {
        let model = try load(graph, lanes: lanes, winograd: winograd)
        return try FastExecutor(model: model, threads: threads).run(inputs: inputs)
    }

    /// `graph` exported at `lanes` and loaded back.
    static func load(_ graph: Graph, lanes: Int, winograd: Bool = true) throws -> PackedModel {
        let plan = try Exporter.plan(graph, lanes: lanes, winograd: winograd)
        let bytes = try Exporter.encode(graph, plan: plan, sourceModelSHA256: String(repeating: "0", count: 64))
        let path = try TestPaths.makeTemporaryDirectory("pzconv-runtime") + "/model.pz"
        try AtomicFile.write(bytes, to: path)
        return try PackedModel.load(path: path)
    }

    /// Seeded random values for every input of `graph`.
    static func randomInputs(for graph: Graph, seed: UInt64 = 7) -> [String: Tensor] {
        var random = SeededRandom(seed: seed)
        var inputs: [String: Tensor] = [:]
        for node in graph.inputNodes {
            guard case .input(let parameters) = node.op else { continue }
            inputs[node.outputs[0]] = Tensor(shape: parameters.shape, values: random.floats(parameters.shape.elementCount, in: -1...1))
        }
        return inputs
    }

    /// The configurations every kernel case runs in: S, Winograd allowed, threads.
    static let configurations = [(8, false, 2), (8, true, 2), (16, false, 2), (16, true, 2), (16, true, 1), (16, false, 3)]

    /// Checks the fast executor against the reference in every configuration:
    /// every output within `tolerance × max(1, |ref|max)`.
    static func expectMatchesReference(_ graph: Graph, tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let inputs = randomInputs(for: graph)
        let expected = try ReferenceExecutor(graph: graph).run(inputs: inputs)
        for (lanes, winograd, threads) in configurations {
            let actual = try outputs(graph, inputs: inputs, lanes: lanes, winograd: winograd, threads: threads)
            for (name, reference) in expected {
                let tensor = try #require(actual[name], "no output '\(name)'", sourceLocation: sourceLocation)
                #expect(tensor.shape == reference.shape, "S = \(lanes), Winograd \(winograd): shape of '\(name)'",
                        sourceLocation: sourceLocation)
                guard tensor.shape == reference.shape else { continue }
                let matches = matchesGolden(tensor.values, reference.values, tolerance: tolerance)
                #expect(matches, "S = \(lanes), \(winograd ? "Winograd" : "direct"), \(threads) threads: '\(name)' differs by \(maxAbsoluteDifference(tensor.values, reference.values))",
                        sourceLocation: sourceLocation)
            }
        }
    }
}
