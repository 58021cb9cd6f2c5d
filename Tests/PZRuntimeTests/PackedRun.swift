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
    /// The fast executor's outputs for `graph` planned for `isa` at `lanes`, on `threads` threads.
    static func outputs(_ graph: Graph, inputs: [String: Tensor], isa: InstructionSet = .detected, lanes: Int,
                        winograd: Bool = true, winograd3x3Outputs: Int? = nil, threads: Int = 2) throws -> [String: Tensor] {
        let model = try load(graph, isa: isa, lanes: lanes, winograd: winograd, winograd3x3Outputs: winograd3x3Outputs)
        return try FastExecutor(model: model, threads: threads).run(inputs: inputs)
    }

    /// `graph` planned for `isa` at `lanes`, exported and loaded back for `isa`.
    static func load(_ graph: Graph, isa: InstructionSet = .detected, lanes: Int, winograd: Bool = true,
                     winograd3x3Outputs: Int? = nil) throws -> PackedModel {
        let plan = try Exporter.plan(graph, isa: isa, lanes: lanes, winograd: winograd, winograd3x3Outputs: winograd3x3Outputs)
        let bytes = try Exporter.encode(graph, plan: plan, sourceModelSHA256: String(repeating: "0", count: 64))
        return try PackedModel.load(bytes: bytes, instructionSet: isa)
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

    /// The configurations every kernel case runs in: instruction set (each this
    /// CPU has), S, Winograd allowed (with F(2×2, 3×3) or F(4×4, 3×3) for 3×3
    /// kernels), threads. The AVX2 build runs S = 16 too (on pairs of registers),
    /// as a model exported with --simd 16 would.
    static let configurations: [(InstructionSet, Int, Bool, Int, Int)] = [
        (.avx512, 8, false, 2, 2), (.avx512, 8, true, 2, 2), (.avx512, 16, false, 2, 2), (.avx512, 16, true, 2, 2),
        (.avx512, 16, true, 1, 4), (.avx512, 16, false, 3, 2), (.avx2, 8, true, 2, 4), (.avx2, 8, false, 3, 2),
        (.avx2, 16, true, 2, 2),
    ].filter { $0.0 <= InstructionSet.detected }

    /// Checks the fast executor against the reference in every configuration:
    /// every output within `tolerance × max(1, |ref|max)`.
    static func expectMatchesReference(_ graph: Graph, tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let inputs = randomInputs(for: graph)
        let expected = try ReferenceExecutor(graph: graph).run(inputs: inputs)
        for (isa, lanes, winograd, threads, winograd3x3) in configurations {
            let actual = try outputs(graph, inputs: inputs, isa: isa, lanes: lanes, winograd: winograd,
                                     winograd3x3Outputs: winograd3x3, threads: threads)
            for (name, reference) in expected {
                let tensor = try #require(actual[name], "no output '\(name)'", sourceLocation: sourceLocation)
                #expect(tensor.shape == reference.shape, "\(isa), S = \(lanes), Winograd \(winograd): shape of '\(name)'",
                        sourceLocation: sourceLocation)
                guard tensor.shape == reference.shape else { continue }
                let matches = matchesGolden(tensor.values, reference.values, tolerance: tolerance)
                #expect(matches, "\(isa), S = \(lanes), \(winograd ? "Winograd m = \(winograd3x3)" : "direct"), \(threads) threads: '\(name)' differs by \(maxAbsoluteDifference(tensor.values, reference.values))",
                        sourceLocation: sourceLocation)
            }
        }
    }
}
