import PZGraph
import PZPasses
import PZTestSupport
import Testing

@Suite struct LinearFusionTests {
    @Test func foldsBatchNormThenScale() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 3, 3, 6, 6])
        let conv = b.convolution("conv", x, inputChannels: 3, same(4, kernel: [3, 3, 3]), bias: false)
        let bn = b.batchNorm("bn", conv, channels: 4)
        let sc = b.scaleLayer("sc", bn, channels: 4)
        b.output(b.add("elu", .activation(.elu(alpha: 1)), inputs: [sc]))
        let result = try applyAndCompare(LinearFusion(), to: b.graph)
        #expect(result.graph.nodes.map(\.op.typeName) == ["Input", "Convolution", "ELU"])
        #expect(result.graph.nodes[1].sourceLayers == ["conv", "bn", "sc"])
        #expect(result.graph.nodes[1].fusions == ["batchnorm", "scale"])
        #expect(result.graph.nodes[1].weights[.bias] != nil)
    }

    /// A deconvolution with groups: the weight is C × F/g × k…, so the output
    /// channel of weight row (c, f') is group(c)·F/g + f'.
    @Test func foldsIntoAGroupedDeconvolution() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 4, 2, 3, 3])
        let up = b.add("up", .deconvolution(ConvolutionParameters(outputChannels: 6, kernel: [1, 2, 2], stride: [1, 2, 2],
                                                                  groups: 2)),
                       inputs: [x], weights: [.weight: b.randomTensor([4, 3, 1, 2, 2]), .bias: b.randomTensor([6])])
        b.output(b.batchNorm("bn", up, channels: 6))
        let result = try applyAndCompare(LinearFusion(), to: b.graph)
        #expect(count(result.graph, "BatchNorm") == 0)
    }

    /// After eltwise fusion the convolution carries a base; BatchNorm scales it
    /// too: y = conv'(x) + B' + M ⊙ base.
    @Test func scalesTheAdditiveBase() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 2, 5, 5])
        let skip = b.convolution("skip", x, inputChannels: 2, same(3))
        let conv = b.convolution("conv", x, inputChannels: 2, same(3))
        let sum = b.add("sum", .eltwise(EltwiseParameters(operation: .sum, coefficients: [2, 1])), inputs: [skip, conv])
        b.output(b.batchNorm("bn", sum, channels: 3))
        let fused = try EltwiseFusion().apply(to: b.graph).graph
        let result = try applyAndCompare(LinearFusion(), to: fused)
        let node = try #require(result.graph.nodes.first { $0.name == "conv" })
        #expect(node.inputs.count == 2)
        #expect(node.weights[.baseScale] != nil)
        #expect(node.sourceLayers == ["conv", "sum", "bn"])
        #expect(count(result.graph, "BatchNorm") == 0)
    }

    @Test func declinesAfterConcatOrASharedOrActivatedConvolution() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 1, 4, 4])
        let c1 = b.convolution("c1", x, inputChannels: 2, same(2))
        let cat = b.add("cat", .concat(ConcatParameters(axis: 1)), inputs: [c1, x])
        b.output(b.batchNorm("bn_cat", cat, channels: 4))
        let shared = b.convolution("shared", x, inputChannels: 2, same(2))
        b.output(b.batchNorm("bn_shared", shared, channels: 2))
        b.output(shared)
        var activated = same(2)
        activated.epilogue.activation = .relu(negativeSlope: 0)
        let relu = b.convolution("activated", x, inputChannels: 2, activated)
        b.output(b.scaleLayer("sc_after_relu", relu, channels: 2))
        let result = try LinearFusion().apply(to: b.graph)
        #expect(!result.changed)
        #expect(result.declined == [
            "'bn_cat' (BatchNorm): its input comes from Concat 'cat', not a convolution",
            "'bn_shared' (BatchNorm): the output of 'shared' is a graph output",
            "'sc_after_relu' (Scale): 'activated' already applies ReLU",
        ])
    }
}
