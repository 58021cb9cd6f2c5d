import PZGraph
import PZTestSupport
import Testing

/// The non-convolution kernels, each in a small graph built in code: channelwise
/// ops, eltwise, concat, crop, pad, up-sampling, MergeCrop, softmax and copies.
struct GraphCase: CustomTestStringConvertible, @unchecked Sendable {
    var name: String
    var build: (inout GraphBuilder) -> Void

    var testDescription: String { name }

    func graph() -> Graph {
        var builder = GraphBuilder(seed: 17)
        build(&builder)
        return builder.graph
    }
}

let graphCases: [GraphCase] = [
    GraphCase(name: "BatchNorm with scale and bias, 20 channels") { b in
        let x = b.input("x", shape: [1, 20, 2, 3, 5])
        b.output(b.add("bn", .batchNorm(BatchNormParameters(epsilon: 1e-3)), inputs: [x], weights: [
            .mean: b.randomTensor([20]), .variance: b.randomTensor([20], in: 0.1...2),
            .scale: b.randomTensor([20]), .bias: b.randomTensor([20]),
        ]))
    },
    GraphCase(name: "Scale without bias, then ELU, 36 channels") { b in
        let x = b.input("x", shape: [1, 36, 2, 3, 4])
        let s = b.add("scale", .scale(ScaleParameters()), inputs: [x], weights: [.scale: b.randomTensor([36])])
        b.output(b.add("elu", .activation(.elu(alpha: 0.5)), inputs: [s]))
    },
    GraphCase(name: "standalone sigmoid, tanh and leaky ReLU") { b in
        let x = b.input("x", shape: [1, 5, 2, 3, 4])
        b.output(b.add("sigmoid", .activation(.sigmoid), inputs: [x]))
        b.output(b.add("tanh", .activation(.tanh), inputs: [x]))
        b.output(b.add("leaky", .activation(.relu(negativeSlope: 0.2)), inputs: [x]))
    },
    GraphCase(name: "eltwise sum of three with coefficients") { b in
        let x = b.input("x", shape: [1, 9, 2, 3, 4])
        let y = b.input("y", shape: [1, 9, 2, 3, 4])
        let z = b.input("z", shape: [1, 9, 2, 3, 4])
        b.output(b.add("sum", .eltwise(EltwiseParameters(operation: .sum, coefficients: [0.5, -2, 1.5])), inputs: [x, y, z]))
    },
    GraphCase(name: "eltwise product, max and subtract") { b in
        let x = b.input("x", shape: [1, 17, 1, 3, 5])
        let y = b.input("y", shape: [1, 17, 1, 3, 5])
        b.output(b.add("product", .eltwise(EltwiseParameters(operation: .product)), inputs: [x, y]))
        b.output(b.add("max", .eltwise(EltwiseParameters(operation: .max)), inputs: [x, y]))
        b.output(b.add("subtract", .eltwise(EltwiseParameters(operation: .subtract)), inputs: [x, y]))
    },
    GraphCase(name: "concat of channel counts that are not multiples of S") { b in
        let x = b.input("x", shape: [1, 5, 2, 3, 4])
        let y = b.input("y", shape: [1, 20, 2, 3, 4])
        let z = b.input("z", shape: [1, 3, 2, 3, 4])
        b.output(b.add("concat", .concat(ConcatParameters(axis: 1)), inputs: [x, y, z]))
    },
    GraphCase(name: "concat along W") { b in
        let x = b.input("x", shape: [1, 5, 2, 3, 4])
        let y = b.input("y", shape: [1, 5, 2, 3, 7])
        b.output(b.add("concat", .concat(ConcatParameters(axis: 4)), inputs: [x, y]))
    },
    GraphCase(name: "Caffe crop to a reference blob, offsets per axis") { b in
        let x = b.input("x", shape: [1, 6, 5, 9, 11])
        let reference = b.input("reference", shape: [1, 6, 3, 4, 6])
        b.output(b.add("crop", .crop(CropParameters(offsets: [0, 0, 1, 2, 3], referenceAxis: 2)), inputs: [x, reference]))
    },
    GraphCase(name: "Keras cropping (explicit trims)") { b in
        let x = b.input("x", shape: [1, 18, 5, 7, 9])
        b.output(b.add("crop", .crop(CropParameters(offsets: [0, 0, 1, 0, 2], trimEnd: [0, 0, 2, 3, 1])), inputs: [x]))
    },
    GraphCase(name: "constant padding") { b in
        let x = b.input("x", shape: [1, 7, 2, 3, 4])
        b.output(b.add("pad", .pad(PadParameters(begin: [1, 0, 2], end: [0, 3, 1], value: 0.25)), inputs: [x]))
    },
    GraphCase(name: "instance norm, 3 channels (below a block), scale and bias") { b in
        let x = b.input("x", shape: [1, 3, 4, 5, 6])
        b.output(b.add("in", .groupNorm(GroupNormParameters(groups: 3, epsilon: 1e-5, isInstanceNorm: true)), inputs: [x],
                       weights: [.scale: b.randomTensor([3]), .bias: b.randomTensor([3])]))
    },
    GraphCase(name: "group norm, 2 groups of 12 channels (a group across blocks), no affine") { b in
        let x = b.input("x", shape: [1, 24, 3, 4, 5])
        b.output(b.add("gn", .groupNorm(GroupNormParameters(groups: 2, epsilon: 1e-3)), inputs: [x]))
    },
    GraphCase(name: "group norm, 4 groups of 8 (S = 16: two groups per block), batch 2, scale only") { b in
        let x = b.input("x", shape: [2, 32, 2, 3, 4])
        b.output(b.add("gn", .groupNorm(GroupNormParameters(groups: 4, epsilon: 1e-5)), inputs: [x],
                       weights: [.scale: b.randomTensor([32])]))
    },
    GraphCase(name: "group norm with fused leaky ReLU and ELU, 12 channels in 3 groups") { b in
        let x = b.input("x", shape: [1, 12, 3, 4, 5])
        b.output(b.add("leaky", .groupNorm(GroupNormParameters(groups: 3, epsilon: 1e-5, activation: .relu(negativeSlope: 0.01))),
                       inputs: [x], weights: [.scale: b.randomTensor([12]), .bias: b.randomTensor([12])]))
        b.output(b.add("elu", .groupNorm(GroupNormParameters(groups: 12, epsilon: 1e-5, isInstanceNorm: true, activation: .elu(alpha: 1))),
                       inputs: [x]))
    },
    GraphCase(name: "instance norm dividing by √variance + ε (keras_contrib), 17 channels") { b in
        let x = b.input("x", shape: [1, 17, 2, 3, 7])
        b.output(b.add("in", .groupNorm(GroupNormParameters(groups: 17, epsilon: 1e-3, epsilonOutsideRoot: true)), inputs: [x],
                       weights: [.bias: b.randomTensor([17])]))
    },
    GraphCase(name: "trilinear up-sampling: half_pixel 2×2×2, align_corners 1×3×2, asymmetric 3×1×2") { b in
        let x = b.input("x", shape: [1, 10, 2, 3, 4])
        b.output(b.add("half", .upsample(UpsampleParameters(factors: [2, 2, 2], linear: .halfPixel)), inputs: [x]))
        b.output(b.add("corners", .upsample(UpsampleParameters(factors: [1, 3, 2], linear: .alignCorners)), inputs: [x]))
        b.output(b.add("asym", .upsample(UpsampleParameters(factors: [3, 1, 2], linear: .asymmetric)), inputs: [x]))
    },
    GraphCase(name: "channel scale (squeeze-excitation), 20 channels, batch 2") { b in
        let x = b.input("x", shape: [2, 20, 2, 3, 5])
        let s = b.input("s", shape: [2, 20, 1, 1, 1])
        b.output(b.add("se", .channelScale, inputs: [x, s]))
    },
    GraphCase(name: "nearest up-sampling 1×2×2 and 2×3×1") { b in
        let x = b.input("x", shape: [1, 10, 2, 3, 4])
        b.output(b.add("up", .upsample(UpsampleParameters(factors: [1, 2, 2])), inputs: [x]))
        b.output(b.add("up2", .upsample(UpsampleParameters(factors: [2, 3, 1])), inputs: [x]))
    },
    GraphCase(name: "MergeCrop stack and add") { b in
        let small = b.input("small", shape: [1, 6, 2, 4, 4])
        let large = b.input("large", shape: [1, 6, 4, 7, 9])
        b.output(b.add("stack", .mergeCrop(MergeCropParameters(operation: .stack)), inputs: [small, large]))
        b.output(b.add("add", .mergeCrop(MergeCropParameters(operation: .add)), inputs: [small, large]))
    },
    GraphCase(name: "softmax over channels (one block, several, partial) and over N, D, H, W") { b in
        let x = b.input("x", shape: [2, 19, 2, 3, 4])
        for axis in 0..<5 {
            b.output(b.add("softmax\(axis)", .softmax(SoftmaxParameters(axis: axis)), inputs: [x]))
        }
        let few = b.input("few", shape: [1, 3, 2, 3, 5])
        b.output(b.add("softmax_few", .softmax(SoftmaxParameters(axis: 1)), inputs: [few]))
        let block = b.input("block", shape: [1, 16, 1, 2, 3])
        b.output(b.add("softmax_block", .softmax(SoftmaxParameters(axis: 1)), inputs: [block]))
    },
    GraphCase(name: "crop of batch and channels") { b in
        let x = b.input("x", shape: [3, 21, 2, 5, 6])
        let reference = b.input("reference", shape: [1, 9, 1, 3, 4])
        b.output(b.add("crop", .crop(CropParameters(offsets: [2, 5, 1, 1, 2], referenceAxis: 0)), inputs: [x, reference]))
    },
    GraphCase(name: "PReLU, and a Scale with a fused PReLU, 20 channels") { b in
        let x = b.input("x", shape: [1, 20, 2, 3, 5])
        b.output(b.add("prelu", .activation(.prelu), inputs: [x], weights: [.slope: b.randomTensor([20], in: -0.5...0.5)]))
        b.output(b.add("scale_prelu", .scale(ScaleParameters(activation: .prelu)), inputs: [x],
                       weights: [.scale: b.randomTensor([20]), .bias: b.randomTensor([20]), .slope: b.randomTensor([20])]))
    },
    GraphCase(name: "Scale with a fused ELU after a concat of unaligned channels") { b in
        let x = b.input("x", shape: [1, 12, 2, 3, 5])
        let y = b.input("y", shape: [1, 7, 2, 3, 5])
        let cat = b.add("cat", .concat(ConcatParameters(axis: 1)), inputs: [x, y])
        b.output(b.add("scale_elu", .scale(ScaleParameters(activation: .elu(alpha: 1))), inputs: [cat],
                       weights: [.scale: b.randomTensor([19]), .bias: b.randomTensor([19])]))
    },
    GraphCase(name: "dropout and split copies, batch of 2") { b in
        let x = b.input("x", shape: [2, 3, 2, 3, 4])
        let dropped = b.add("dropout", .dropout, inputs: [x])
        b.nodes.append(Node(name: "split", op: .split, inputs: [dropped], outputs: ["split_a", "split_b"]))
        b.output("split_a")
        b.output(b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: ["split_a", "split_b"]))
    },
    GraphCase(name: "in-place chain: BatchNorm then ReLU writing over their input's buffer") { b in
        let x = b.input("x", shape: [1, 12, 2, 3, 5])
        let conv = b.convolution("conv", x, inputChannels: 12, ConvolutionParameters(outputChannels: 12, kernel: [1, 1, 1]))
        let bn = b.add("bn", .batchNorm(BatchNormParameters(epsilon: 1e-5)), inputs: [conv],
                       weights: [.mean: b.randomTensor([12]), .variance: b.randomTensor([12], in: 0.5...1.5)])
        let relu = b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [bn])
        b.nodes[b.nodes.count - 2].inPlace = true
        b.nodes[b.nodes.count - 1].inPlace = true
        b.output(relu)
    },
]

@Suite struct DataMovementKernelTests {
    @Test(arguments: graphCases) func matchesReference(_ testCase: GraphCase) throws {
        try PackedRun.expectMatchesReference(testCase.graph())
    }
}
