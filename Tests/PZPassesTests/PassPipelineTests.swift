import Foundation
import PZGraph
import PZImport
import PZPasses
import PZPatchIO
import PZTestSupport
import Testing

/// A deliberately wrong linear fusion, for tests only: it folds a BatchNorm's
/// multiplier into the convolution but forgets the additive term (the shift by
/// the mean and beta), the kind of slip verification exists to catch.
struct ForgetfulLinearFusion: GraphPass {
    let name = "forgetful-linear-fusion"
    let summary = "a broken BatchNorm fold (test only)"

    func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        guard let index = graph.nodes.firstIndex(where: { $0.op.typeName == "BatchNorm" }),
              let producer = graph.writer(of: graph.nodes[index].inputs[0]) else { return result }
        let bn = graph.nodes[index]
        guard case .batchNorm(let parameters) = bn.op else { return result }
        let mean = bn.weights[.mean]!.values, variance = bn.weights[.variance]!.values
        let gamma = bn.weights[.scale]?.values ?? Array(repeating: 1, count: mean.count)
        let multiplier = mean.indices.map { gamma[$0] / (variance[$0] + parameters.epsilon).squareRoot() }
        var kernel = graph.nodes[producer].weights[.weight]!
        let perChannel = kernel.elementCount / multiplier.count
        kernel.values = kernel.values.enumerated().map { $0.element * multiplier[$0.offset / perChannel] }
        result.graph.nodes[producer].weights[.weight] = kernel
        result.graph.nodes[producer].outputs = bn.outputs
        result.graph.nodes[producer].sourceLayers += bn.sourceLayers
        result.graph.nodes.remove(at: index)
        result.rewrites = ["folded \(bn.name) (forgetting its shift)"]
        return result
    }

}

extension Graph {
    func writer(of tensor: String) -> Int? { nodes.firstIndex { $0.outputs.contains(tensor) } }
}

@Suite struct PassPipelineTests {
    private func residualUNet() throws -> (Graph, VerificationPatch) {
        let fixture = TestPaths.fixture("caffe-fork/residual_unet3d")
        let graph = try CaffeImporter.importModel(prototxt: fixture + "/net.prototxt", weights: fixture + "/net.caffemodel")
        let golden = try GoldenSet(directory: TestPaths.golden("caffe-fork/residual_unet3d"))
        let output = graph.outputs[0]
        let expected = try golden.expectedOutput(output, shape: try graph.inferShapes()[output.tensor]!)!
        return (graph, VerificationPatch(inputs: try golden.inputTensors(for: graph), expected: [output.tensor: expected]))
    }

    /// Verification catches the broken pass, rolls it back, keeps going, and names
    /// the first diverging tensor by the layers it came from.
    @Test func rollsBackAWrongFusionAndNamesTheLayer() throws {
        let (graph, patch) = try residualUNet()
        let pipeline = PassPipeline(passes: [ForgetfulLinearFusion(), EltwiseFusion(), LinearFusion()], tolerance: 1e-4)
        let optimized = try pipeline.run(graph, patches: [patch], patchDescription: "golden")
        let record = try #require(optimized.verification)
        #expect(record.passes.map(\.outcome) == [.rolledBack, .applied, .applied])
        #expect(!record.holds)
        let broken = record.passes[0]
        let divergence = try #require(broken.firstDivergence)
        #expect(divergence.node == "conv1")
        #expect(divergence.sourceLayers == ["conv1", "bn2"])
        #expect(divergence.tensor == "conv1@bn2")
        #expect(divergence.error.maxRelativeError > 1e-4)
        #expect(broken.nodesAfter == broken.nodesBefore)
        // The graph kept every BatchNorm the broken pass removed; the real fusion did the work.
        #expect(count(optimized, "BatchNorm") == 0)
        #expect(record.passes[2].versusUnfused!.isWithin(1e-4))
    }

    /// The paper's Residual 3-D U-Net (BN + Scale + ELU after every convolution,
    /// residual sums): every BatchNorm, Scale and ELU is fused and most sums are,
    /// all within 1e-4 of the unfused graph and of the golden output.
    @Test func residualUNetIsFused() throws {
        let (graph, patch) = try residualUNet()
        #expect(count(graph, "BatchNorm") == 17 && count(graph, "Scale") == 17 && count(graph, "ELU") == 17)
        #expect(count(graph, "Eltwise") == 7)
        let optimized = try PassPipeline(tolerance: 1e-4).run(graph, patches: [patch], patchDescription: "golden")
        #expect(count(optimized, "BatchNorm") == 0 && count(optimized, "Scale") == 0 && count(optimized, "ELU") == 0)
        #expect(count(optimized, "Sigmoid") == 0)
        let fusedSums = optimized.nodes.filter { $0.fusions.contains("eltwise") }.count
        #expect(fusedSums == 5 && count(optimized, "Eltwise") == 2)
        let record = try #require(optimized.verification)
        #expect(record.holds)
        #expect(record.passes.allSatisfy { $0.outcome != .rolledBack })
        #expect(record.passes.compactMap(\.versusUnfused).allSatisfy { $0.isWithin(1e-4) })
        #expect(record.passes.compactMap(\.versusGolden).allSatisfy { $0.isWithin(1e-4) })
        #expect(optimized.nodes.count == 23)
        #expect(optimized.nodes.contains { $0.op.convolutionParameters?.epilogue.hasOutputPadding ?? false })
    }

    @Test func recordTravelsInThePZIRFile() throws {
        let (graph, patch) = try residualUNet()
        let optimized = try PassPipeline(tolerance: 1e-4).run(graph, patches: [patch], patchDescription: "golden")
        let path = try TestPaths.makeTemporaryDirectory() + "/opt.pzir"
        try PZIRFile.write(optimized, to: path)
        let read = try PZIRFile.read(from: path)
        #expect(read.verification == optimized.verification)
        #expect(read == optimized)
    }

    /// Without golden data, seeded random patches still check fused against unfused.
    @Test func randomPatchesWithoutGoldenData() throws {
        let (graph, _) = try residualUNet()
        let patches = VerificationPatch.random(for: graph, count: 2, seed: 3)
        let optimized = try PassPipeline(tolerance: 1e-4).run(graph, patches: patches, patchDescription: "random")
        let record = try #require(optimized.verification)
        #expect(record.baseline == nil)
        #expect(record.holds)
        #expect(record.passes.contains { $0.outcome == .applied && $0.versusUnfused != nil && $0.versusGolden == nil })
    }

    @Test func unknownPassNamesAreErrors() throws {
        #expect(throws: PassError.self) { try PassPipeline.passes(named: ["linear-fusion", "magic"]) }
        #expect(try PassPipeline.passes(named: ["linear-fusion"]).map(\.name) == ["linear-fusion"])
    }
}
