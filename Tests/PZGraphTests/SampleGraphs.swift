import PZGraph
import PZTestSupport

/// A small graph touching every op (and a fused convolution), for round trips.
func everyOpGraph() -> Graph {
    var b = GraphBuilder(name: "every-op", seed: 7)
    let x = b.input("data", shape: [1, 4, 4, 6, 6], layout: .ndhwc)
    let c1 = b.convolution("c1", x, inputChannels: 4,
                           ConvolutionParameters(outputChannels: 4, kernel: [1, 3, 3], padBegin: [0, 1, 1], padEnd: [0, 1, 1]))
    let bn = b.add("bn", .batchNorm(BatchNormParameters(epsilon: 1e-3)), inputs: [c1],
                   weights: [.mean: b.randomTensor([4]), .variance: b.randomTensor([4], in: 0.5...2),
                             .scale: b.randomTensor([4]), .bias: b.randomTensor([4])])
    let sc = b.add("sc", .scale(ScaleParameters()), inputs: [bn], weights: [.scale: b.randomTensor([4]), .bias: b.randomTensor([4])])
    let elu = b.add("elu", .activation(.elu(alpha: 0.7)), inputs: [sc])
    var fused = ConvolutionParameters(outputChannels: 4, kernel: [3, 3, 3], padBegin: [1, 1, 1], padEnd: [1, 1, 1])
    fused.epilogue = ConvolutionEpilogue(activation: .relu(negativeSlope: 0.1), outputPadBegin: [0, 1, 1],
                                         outputPadEnd: [0, 1, 1])
    let c2 = b.convolution("c2", elu, inputChannels: 4, fused, base: x)
    b.nodes[b.nodes.count - 1].weights[.baseScale] = b.randomTensor([4])
    b.nodes[b.nodes.count - 1].fusions = ["eltwise", "activation", "padding"]
    b.nodes[b.nodes.count - 1].sourceLayers = ["c2", "sum", "relu2"]
    let crop = b.add("crop", .crop(CropParameters(offsets: [0, 0, 0, 1, 1], trimEnd: [0, 0, 0, 1, 1])), inputs: [c2])
    let pool = b.add("pool", .pooling(PoolingParameters(method: .max, kernel: [1, 2, 2], stride: [1, 2, 2],
                                                         rounding: .caffeCeil, averageCountsPadding: true)), inputs: [crop])
    let up = b.add("up", .deconvolution(ConvolutionParameters(outputChannels: 2, kernel: [1, 2, 2], stride: [1, 2, 2])),
                   inputs: [pool], weights: [.weight: b.randomTensor([4, 2, 1, 2, 2])])
    let nn = b.add("nn", .upsample(UpsampleParameters(factors: [1, 2, 2])), inputs: [pool])
    let cat = b.add("cat", .concat(ConcatParameters(axis: 1)), inputs: [up, nn])
    let pad = b.add("pad", .pad(PadParameters(begin: [0, 1, 1], end: [0, 1, 1])), inputs: [cat])
    let crop2 = b.add("crop2", .crop(CropParameters(offsets: [0, 0, 0, 1, 1], referenceAxis: 2)), inputs: [pad, cat])
    b.nodes.append(Node(name: "split", op: .split, inputs: [crop2], outputs: ["s1", "s2"]))
    let sum = b.add("sum", .eltwise(EltwiseParameters(operation: .sum, coefficients: [1, -0.5])), inputs: ["s1", "s2"])
    let drop = b.add("drop", .dropout, inputs: [sum])
    let merge = b.add("merge", .mergeCrop(MergeCropParameters(operation: .stack)), inputs: [drop, cat])
    let sig = b.add("sig", .activation(.sigmoid), inputs: [merge])
    let tanh = b.add("tanh", .activation(.tanh), inputs: [sig])
    let soft = b.add("soft", .softmax(SoftmaxParameters(axis: 1)), inputs: [tanh])
    let avg = b.add("avg", .pooling(PoolingParameters(method: .average, kernel: [1, 3, 3], stride: [1, 1, 1],
                                                       padBegin: [0, 1, 1], padEnd: [0, 1, 1], rounding: .floor,
                                                       averageCountsPadding: false)), inputs: [soft])
    let product = b.add("product", .eltwise(EltwiseParameters(operation: .product)), inputs: [avg, soft])
    let norm = b.add("norm", .groupNorm(GroupNormParameters(groups: 3, epsilon: 1e-5)), inputs: [product],
                     weights: [.scale: b.randomTensor([12]), .bias: b.randomTensor([12])])
    let instance = b.add("instance", .groupNorm(GroupNormParameters(groups: 12, epsilon: 1e-3, epsilonOutsideRoot: true,
                                                                   isInstanceNorm: true)), inputs: [norm])
    let linear = b.add("linear", .upsample(UpsampleParameters(factors: [1, 2, 2], linear: .halfPixel)), inputs: [instance])
    let squeeze = b.add("squeeze", .pooling(PoolingParameters(method: .average, kernel: [4, 12, 12], stride: [1, 1, 1],
                                                               rounding: .floor, averageCountsPadding: false)), inputs: [linear])
    let excited = b.add("excite", .channelScale, inputs: [linear, squeeze])
    b.output(excited, layout: .ndhwc)
    b.output(crop)
    return b.graph
}
