import PZGraph
import PZPasses
import PZTestSupport
import Testing

@Suite struct ActivationFusionTests {
    @Test(arguments: [Activation.relu(negativeSlope: 0.1), .elu(alpha: 0.7), .sigmoid, .tanh])
    func fusesEachActivation(_ activation: Activation) throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 2, 5, 5])
        let conv = b.convolution("conv", x, inputChannels: 2, same(3))
        b.output(b.add("act", .activation(activation), inputs: [conv]))
        let result = try applyAndCompare(ActivationFusion(), to: b.graph)
        #expect(result.graph.nodes.count == 2)
        #expect(result.graph.nodes[1].op.convolutionParameters?.epilogue.activation == activation)
        #expect(result.graph.nodes[1].outputs == ["act"])
    }

    @Test func declinesWhenTheConvolutionOutputIsShared() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 2, 5, 5])
        let conv = b.convolution("conv", x, inputChannels: 2, same(3))
        b.output(b.add("act", .activation(.tanh), inputs: [conv]))
        b.output(b.add("other", .activation(.sigmoid), inputs: [conv]))
        let result = try ActivationFusion().apply(to: b.graph)
        #expect(!result.changed)
        #expect(result.declined.first == "'act' (TanH): the output of 'conv' is also read by 'other'")
    }

    /// nnU-Net's Conv → InstanceNorm → LeakyReLU: the activation goes into the
    /// normalization's last pass; a PReLU after it stays (its slopes have no place there).
    @Test func fusesIntoANormalization() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 4, 2, 5, 5])
        let norm = b.add("norm", .groupNorm(GroupNormParameters(groups: 4, epsilon: 1e-5, isInstanceNorm: true)), inputs: [x],
                         weights: [.scale: b.randomTensor([4]), .bias: b.randomTensor([4])])
        let leaky = b.add("leaky", .activation(.relu(negativeSlope: 0.01)), inputs: [norm])
        let norm2 = b.add("norm2", .groupNorm(GroupNormParameters(groups: 2, epsilon: 1e-5)), inputs: [leaky])
        b.output(b.add("prelu", .activation(.prelu), inputs: [norm2], weights: [.slope: b.randomTensor([4])]))
        let result = try applyAndCompare(ActivationFusion(), to: b.graph)
        #expect(result.graph.nodes.map(\.op.typeName) == ["Input", "InstanceNorm", "GroupNorm", "PReLU"])
        #expect(result.graph.nodes[1].op.appliedActivation == .relu(negativeSlope: 0.01))
        #expect(result.graph.nodes[1].outputs == ["leaky"] && result.graph.nodes[1].fusions == ["activation"])
    }

    @Test func movesPReLUSlopesIntoTheConvolution() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 2, 5, 5])
        let conv = b.convolution("conv", x, inputChannels: 2, same(3))
        b.output(b.add("prelu", .activation(.prelu), inputs: [conv], weights: [.slope: b.randomTensor([3])]))
        let result = try applyAndCompare(ActivationFusion(), to: b.graph)
        #expect(result.graph.nodes.count == 2)
        #expect(result.graph.nodes[1].op.convolutionParameters?.epilogue.activation == .prelu)
        #expect(result.graph.nodes[1].weights[.slope] == b.graph.nodes[2].weights[.slope])
    }
}

@Suite struct ChannelwiseFusionTests {
    /// DenseNet's pre-activation: Concat → BatchNorm → Scale → ReLU → Conv
    /// becomes Concat → Scale(ReLU) → Conv; the concat output, also read by the
    /// next concat, stays.
    @Test func mergesThePreActivationChainAfterAConcat() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 4, 2, 5, 5])
        let y = b.input("y", shape: [1, 3, 2, 5, 5])
        let cat = b.add("cat", .concat(ConcatParameters(axis: 1)), inputs: [x, y])
        let bn = b.batchNorm("bn", cat, channels: 7)
        let scale = b.scaleLayer("scale", bn, channels: 7)
        let relu = b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [scale])
        b.output(b.convolution("conv", relu, inputChannels: 7, same(3)))
        b.output(b.add("cat2", .concat(ConcatParameters(axis: 1)), inputs: [cat, x]))
        let result = try applyAndCompare(ChannelwiseFusion(), to: b.graph)
        #expect(result.graph.nodes.map(\.op.typeName) == ["Input", "Input", "Concat", "Scale", "Convolution", "Concat"])
        let merged = result.graph.nodes[3]
        #expect(merged.op == .scale(ScaleParameters(activation: .relu(negativeSlope: 0))))
        #expect(merged.outputs == ["relu"])
        #expect(merged.sourceLayers == ["bn", "scale", "relu"])
    }

    @Test func mergesAPReLUWithItsSlopes() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 5, 2, 3, 3])
        let pool = b.add("pool", .pooling(PoolingParameters(method: .max, kernel: [1, 1, 1], stride: [1, 1, 1], rounding: .floor,
                                                            averageCountsPadding: false)), inputs: [x])
        let scale = b.scaleLayer("scale", pool, channels: 5)
        b.output(b.add("prelu", .activation(.prelu), inputs: [scale], weights: [.slope: b.randomTensor([5])]))
        let result = try applyAndCompare(ChannelwiseFusion(), to: b.graph)
        #expect(result.graph.nodes.count == 3)
        #expect(result.graph.nodes[2].weights[.slope] != nil)
    }

    @Test func declinesALoneStepOrASharedOutput() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 4, 2, 3, 3])
        let bn = b.batchNorm("bn", x, channels: 4)
        b.output(bn)
        b.output(b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [bn]))
        let result = try ChannelwiseFusion().apply(to: b.graph)
        #expect(!result.changed)
        #expect(result.declined.count == 1)
    }
}

@Suite struct PaddingTransformationTests {
    @Test func producerWritesThePaddingItsReadersNeed() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 3, 5, 5])
        let c1 = b.convolution("c1", x, inputChannels: 2, same(3, kernel: [3, 3, 3]))
        b.output(b.convolution("c2", c1, inputChannels: 3, same(2, kernel: [3, 3, 3])))
        b.output(b.convolution("c3", c1, inputChannels: 3, same(2, kernel: [3, 3, 3])))
        let result = try applyAndCompare(PaddingTransformation(), to: b.graph)
        let producer = try #require(result.graph.nodes.first { $0.name == "c1" }?.op.convolutionParameters)
        #expect(producer.epilogue.outputPadBegin == [1, 1, 1] && producer.epilogue.outputPadEnd == [1, 1, 1])
        for reader in ["c2", "c3"] {
            let parameters = try #require(result.graph.nodes.first { $0.name == reader }?.op.convolutionParameters)
            #expect(parameters.padBegin == [0, 0, 0] && parameters.padEnd == [0, 0, 0])
        }
        #expect(try result.graph.inferShapes()["c1"] == [1, 3, 5, 7, 7])
    }

    @Test func absorbsAZeroPadNode() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 2, 4, 4])
        let c1 = b.convolution("c1", x, inputChannels: 2, ConvolutionParameters(outputChannels: 2, kernel: [1, 1, 1]))
        let pad = b.add("zp", .pad(PadParameters(begin: [0, 1, 2], end: [1, 0, 1])), inputs: [c1])
        b.output(b.convolution("c2", pad, inputChannels: 2, ConvolutionParameters(outputChannels: 2, kernel: [1, 3, 3])))
        let result = try applyAndCompare(PaddingTransformation(), to: b.graph)
        #expect(count(result.graph, "Pad") == 0)
        #expect(result.graph.nodes[1].sourceLayers == ["c1", "zp"])
    }

    @Test func declinesDifferentPadding() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 3, 5, 5])
        let c1 = b.convolution("c1", x, inputChannels: 2, same(3, kernel: [3, 3, 3]))
        b.output(b.convolution("c2", c1, inputChannels: 3, same(2, kernel: [3, 3, 3])))
        b.output(b.convolution("c3", c1, inputChannels: 3, same(2, kernel: [1, 3, 3])))
        let result = try PaddingTransformation().apply(to: b.graph)
        #expect(!result.changed)
        #expect(result.declined == ["'c1' (Convolution): its readers need different padding"])
    }
}
