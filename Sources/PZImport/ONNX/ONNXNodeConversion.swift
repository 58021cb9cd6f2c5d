import PZGraph
import PZONNX

/// The ops of 3-D segmentation nets, as IR nodes.
extension ONNXGraphImporter {
    mutating func convertOperation(_ node: ONNXNode, _ arguments: [ONNXImportedValue?]) throws {
        let attributes = ONNXAttributes(node, file: file)
        let output = node.outputs[0]
        if arguments.contains(where: { if case .groupView? = $0 { true } else if case .groupStatistic? = $0 { true } else { false } }),
           node.opType != "InstanceNormalization", node.opType != "Reshape" {
            return try convertGroupStatistic(node, arguments, attributes: attributes)
        }
        switch node.opType {
        case "Conv", "ConvTranspose":
            try convertConvolution(node, arguments, attributes: attributes)
        case "BatchNormalization":
            guard try attributes.int("training_mode", default: 0) == 0 else { throw fail(node, "training_mode 1 is not inference") }
            let x = try tensor(arguments.first ?? nil, node)
            let channels = shapes[x]![1]
            var weights: [WeightRole: Tensor] = [:]
            for (index, role) in [(1, WeightRole.scale), (2, .bias), (3, .mean), (4, .variance)] {
                weights[role] = try channelVector(index < arguments.count ? arguments[index] : nil, node, index: index, channels: channels)
            }
            // A unit scale and zero bias are what an exporter writes for a BatchNorm without them.
            if weights[.scale]!.values.allSatisfy({ $0 == 1 }) { weights[.scale] = nil }
            if weights[.bias]!.values.allSatisfy({ $0 == 0 }) { weights[.bias] = nil }
            try add(.batchNorm(BatchNormParameters(epsilon: try attributes.float("epsilon", default: 1e-5))), node, inputs: [x],
                    output: output, weights: weights)
        case "InstanceNormalization", "GroupNormalization":
            try convertNormalization(node, arguments, attributes: attributes)
        case "Relu":
            try add(.activation(.relu(negativeSlope: 0)), node, inputs: [try tensor(arguments[0], node)], output: output)
        case "LeakyRelu":
            let slope = try attributes.float("alpha", default: 0.01)
            try add(.activation(.relu(negativeSlope: slope)), node, inputs: [try tensor(arguments[0], node)], output: output)
        case "Elu":
            let alpha = try attributes.float("alpha", default: 1)
            try add(.activation(.elu(alpha: alpha)), node, inputs: [try tensor(arguments[0], node)], output: output)
        case "Sigmoid":
            try add(.activation(.sigmoid), node, inputs: [try tensor(arguments[0], node)], output: output)
        case "Tanh":
            try add(.activation(.tanh), node, inputs: [try tensor(arguments[0], node)], output: output)
        case "PRelu":
            let x = try tensor(arguments[0], node)
            let slopes = try channelVector(arguments.count > 1 ? arguments[1] : nil, node, index: 1, channels: shapes[x]![1])
            try add(.activation(.prelu), node, inputs: [x], output: output, weights: [.slope: slopes])
        case "Softmax":
            let x = try tensor(arguments[0], node)
            if flatTensors.contains(x) {
                // A flat [N, C] activation: the only axis to normalize is C.
                guard try attributes.axis("axis", default: opset >= 13 ? -1 : 1, rank: 2) == 1 else {
                    throw fail(node, "Softmax of a flat [N, C] activation over the batch axis is not supported")
                }
                try add(.softmax(SoftmaxParameters(axis: 1)), node, inputs: [x], output: output)
                return
            }
            let axis = try attributes.axis("axis", default: opset >= 13 ? -1 : 1, rank: rank)
            if opset < 13, onnxShape(shapes[x]!)[(axis + 1)...].contains(where: { $0 != 1 }) {
                throw fail(node, "before opset 13 Softmax normalizes over all axes from \(axis) on; pzconv imports it only when "
                                 + "the axes after it have size 1")
            }
            try add(.softmax(SoftmaxParameters(axis: irAxis(axis))), node, inputs: [x], output: output)
        case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool":
            try convertPooling(node, arguments, attributes: attributes)
        case "Concat":
            let inputs = try arguments.enumerated().map { try tensor($0.element, node, index: $0.offset) }
            let flat = inputs.map(flatTensors.contains)
            guard !flat.contains(true) || !flat.contains(false) else { throw fail(node, "concatenates flat [N, C] and spatial activations") }
            let axis = try attributes.axis("axis", default: nil, rank: flat.allSatisfy { $0 } ? 2 : rank)
            guard !flat.allSatisfy({ $0 }) || axis == 1 else { throw fail(node, "concatenates flat [N, C] activations along the batch") }
            try add(.concat(ConcatParameters(axis: irAxis(axis))), node, inputs: inputs, output: output)
        case "Add", "Sub", "Mul", "Div", "Sum", "Max":
            try convertElementwise(node, arguments)
        case "Resize", "Upsample":
            try convertResize(node, arguments, attributes: attributes)
        case "Pad":
            try convertPad(node, arguments, attributes: attributes)
        case "Slice":
            let x = try tensor(arguments[0], node)
            guard !flatTensors.contains(x) else { throw fail(node, "Slice of a flat [N, C] activation is not supported") }
            let shape = shapes[x]!
            let constants = arguments.map { argument -> ONNXConstant? in if case .constant(let c)? = argument { c } else { nil } }
            let specification = try ONNXSliceSpecification(node, constants, attributes: attributes, opset: opset, shape: onnxShape(shape)) {
                fail(node, $0)
            }
            var offsets = [0, 0, 0, 0, 0], trimEnd = [0, 0, 0, 0, 0]
            for range in specification.ranges {
                let irIndex = irAxis(range.axis)
                guard range.count > 0, range.step == 1 else {
                    throw fail(node, "an empty or reversed slice along axis \(range.axis) is not a crop")
                }
                offsets[irIndex] = range.first
                trimEnd[irIndex] = shape[irIndex] - 1 - range.last
            }
            try add(.crop(CropParameters(offsets: offsets, trimEnd: trimEnd)), node, inputs: [x], output: output)
        case "Identity", "Dropout":
            if node.opType == "Dropout", arguments.count > 1, case .constant(let ratio)? = arguments[1], ratio.values.first != 0,
               arguments.count > 2, case .constant(let training)? = arguments[2], training.values.first != 0 {
                throw fail(node, "training_mode is on")
            }
            try add(.dropout, node, inputs: [try tensor(arguments[0], node)], output: output)
        case "Reshape":
            try convertReshape(node, arguments)
        case "Flatten", "Gemm", "Unsqueeze", "Squeeze":
            try convertFlat(node, arguments, attributes: attributes)
        case "Transpose":
            let x = try tensor(arguments[0], node)
            let channelsLast = rank == 5 ? [0, 2, 3, 4, 1] : [0, 2, 3, 1]
            guard case .ints(let perm)? = node.attribute("perm"), perm.map({ Int($0) }) == channelsLast,
                  model.graph.outputs.contains(where: { $0.name == output }) else {
                throw fail(node, "Transpose is supported only at the graph's edges, between channels-first and channels-last")
            }
            channelsLastOutputs[output] = rank == 5 ? .ndhwc : .nhwc
            try add(.dropout, node, inputs: [x], output: output)
        default:
            throw fail(node, "op type \(node.opType) is not supported (pzconv imports the ops of 3-D segmentation nets: Conv, "
                             + "ConvTranspose, BatchNormalization, InstanceNormalization, GroupNormalization, activations, pools, "
                             + "Concat, Add/Sub/Mul/Div, Resize, Pad, Slice)")
        }
    }

    /// A per-channel constant (`C` values, or one value repeated) as a 1-D tensor.
    func channelVector(_ argument: ONNXImportedValue?, _ node: ONNXNode, index: Int, channels: Int) throws -> Tensor {
        let value = try constant(argument, node, index: index)
        let nonUnit = value.shape.filter { $0 != 1 }
        guard value.values.count == channels || value.values.count == 1, nonUnit.count <= 1 else {
            throw fail(node, "input \(index) has shape \(value.shape); expected one value per channel (\(channels))")
        }
        let floats = value.values.count == 1 ? [Float](repeating: Float(value.values[0]), count: channels) : value.floats
        return Tensor(shape: [channels], values: floats)
    }

    // MARK: Convolutions

    private mutating func convertConvolution(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], attributes: ONNXAttributes) throws {
        let isTransposed = node.opType == "ConvTranspose"
        let x = try tensor(arguments[0], node)
        let weight = try constant(arguments.count > 1 ? arguments[1] : nil, node, index: 1)
        guard weight.shape.count == rank else {
            throw fail(node, "weights of rank \(weight.shape.count) for a rank-\(rank) input")
        }
        let inputShape = shapes[x]!
        let groups = Int(try attributes.int("group", default: 1))
        guard groups >= 1, inputShape[1] % groups == 0 else { throw fail(node, "group \(groups) does not divide \(inputShape[1]) channels") }
        var spatial = try ONNXSpatialAttributes(attributes, spatialRank: rank - 2, kernel: Array(weight.shape[2...]))
        let spatialInput = Array(onnxShape(inputShape)[2...])
        let outputChannels = isTransposed ? weight.shape[1] * groups : weight.shape[0]
        var padEnd = spatial.padEnd
        if isTransposed {
            let outputPadding = try attributes.intsIfPresent("output_padding") ?? [Int](repeating: 0, count: rank - 2)
            let outputShape = try attributes.intsIfPresent("output_shape")
            if let outputShape, !outputShape.allSatisfy({ (1...Graph.maximumElementCount).contains($0) }) {
                throw attributes.fail("output_shape", "\(outputShape) is not a list of positive sizes")
            }
            guard outputPadding.count == rank - 2, outputPadding.allSatisfy({ (0...Graph.maximumSpatialParameter).contains($0) }) else {
                throw attributes.fail("output_padding", "expected \(rank - 2) non-negative values")
            }
            for axis in 0..<(rank - 2) {
                let full = (spatialInput[axis] - 1) * spatial.strides[axis] + (spatial.kernel[axis] - 1) * spatial.dilations[axis] + 1
                var target = full - spatial.padBegin[axis] - spatial.padEnd[axis] + outputPadding[axis]
                if let outputShape {
                    guard outputShape.count >= rank - 2 else { throw attributes.fail("output_shape", "expected \(rank - 2) values") }
                    target = Array(outputShape.suffix(rank - 2))[axis]
                    let total = full + outputPadding[axis] - target
                    let small = total / 2
                    spatial.padBegin[axis] = spatial.autoPad == "SAME_UPPER" ? small : total - small
                } else if spatial.autoPad == "SAME_UPPER" || spatial.autoPad == "SAME_LOWER" {
                    target = spatialInput[axis] * spatial.strides[axis]
                    let total = full + outputPadding[axis] - target
                    let small = total / 2
                    spatial.padBegin[axis] = spatial.autoPad == "SAME_UPPER" ? small : total - small
                } else if spatial.autoPad == "VALID" {
                    spatial.padBegin[axis] = 0
                    target = full + outputPadding[axis]
                }
                padEnd[axis] = full - spatial.padBegin[axis] - target
            }
        } else {
            spatial.resolvePadding(input: spatialInput)
            padEnd = spatial.padEnd
        }
        let parameters = ConvolutionParameters(
            outputChannels: outputChannels, kernel: irSpatial(spatial.kernel, fill: 1), stride: irSpatial(spatial.strides, fill: 1),
            dilation: irSpatial(spatial.dilations, fill: 1), padBegin: irSpatial(spatial.padBegin, fill: 0),
            padEnd: irSpatial(padEnd, fill: 0), groups: groups)
        let weightShape = Array(weight.shape[..<2]) + irSpatial(Array(weight.shape[2...]), fill: 1)
        var weights: [WeightRole: Tensor] = [.weight: Tensor(shape: weightShape, values: weight.floats)]
        if arguments.count > 2, arguments[2] != nil {
            let bias = try constant(arguments[2], node, index: 2)
            guard bias.values.count == outputChannels else {
                throw fail(node, "bias has \(bias.values.count) values for \(outputChannels) output channels")
            }
            weights[.bias] = Tensor(shape: [outputChannels], values: bias.floats)
        }
        try add(isTransposed ? .deconvolution(parameters) : .convolution(parameters), node, inputs: [x], output: node.outputs[0],
                weights: weights)
    }

    // MARK: Element-wise

    /// Two activations of one shape (Sum, Max: any number) as Eltwise; an
    /// activation and a per-channel constant as Scale.
    private mutating func convertElementwise(_ node: ONNXNode, _ arguments: [ONNXImportedValue?]) throws {
        let output = node.outputs[0]
        let tensors = arguments.compactMap { argument -> String? in if case .tensor(let name)? = argument { name } else { nil } }
        guard arguments.count == 2 || (["Sum", "Max"].contains(node.opType) && !arguments.isEmpty) else {
            throw fail(node, "has \(arguments.count) inputs")
        }
        if tensors.count == 1, arguments.count == 1 {
            try add(.dropout, node, inputs: tensors, output: output)  // Sum or Max of one activation
            return
        }
        if tensors.count == arguments.count {
            let operation: EltwiseParameters.Operation
            switch node.opType {
            case "Add", "Sum": operation = .sum
            case "Sub": operation = .subtract
            case "Mul": operation = .product
            case "Max": operation = .max
            default: throw fail(node, "division of two activations is not supported")
            }
            if node.opType == "Mul", tensors.count == 2 {
                let (a, b) = (shapes[tensors[0]]!, shapes[tensors[1]]!)
                for (x, s) in [(0, 1), (1, 0)] where [a, b][s] == [[a, b][x][0], [a, b][x][1], 1, 1, 1] && a != b {
                    try add(.channelScale, node, inputs: [tensors[x], tensors[s]], output: output)
                    return
                }
            }
            guard Set(tensors.map { shapes[$0]! }).count == 1 else {
                throw fail(node, "inputs of shapes " + tensors.map { onnxShape(shapes[$0]!).shapeDescription }.joined(separator: " and ")
                                 + ": broadcasting between activations is not supported")
            }
            try add(.eltwise(EltwiseParameters(operation: operation)), node, inputs: tensors, output: output)
            return
        }
        guard arguments.count == 2, tensors.count == 1, ["Add", "Sub", "Mul", "Div"].contains(node.opType) else {
            throw fail(node, "expects activations, or an activation and a per-channel constant")
        }
        if node.opType == "Mul", try absorbDivisorCorrection(node, arguments) { return }
        let tensorFirst = { if case .tensor = arguments[0] { true } else { false } }()
        let x = tensors[0]
        let channels = shapes[x]![1]
        let constantIndex = tensorFirst ? 1 : 0
        let value = try constant(arguments[constantIndex], node, index: constantIndex)
        // Broadcast along every axis but channels: shape [..., C or 1, 1, 1(, 1)] right-aligned to the rank.
        let aligned = [Int](repeating: 1, count: max(rank - value.shape.count, 0)) + value.shape
        guard aligned.count == rank, aligned.enumerated().allSatisfy({ $0.offset == 1 ? ($0.element == channels || $0.element == 1) : $0.element == 1 }) else {
            throw fail(node, "constant of shape \(value.shape) is not per-channel for an activation of \(channels) channels")
        }
        let vector = value.values.count == 1 ? [Float](repeating: Float(value.values[0]), count: channels) : value.floats
        if tensorFirst, try absorbAffine(node, into: x, vector: vector) { return }
        var weights: [WeightRole: Tensor] = [:]
        switch (node.opType, tensorFirst) {
        case ("Mul", _): weights[.scale] = Tensor(shape: [channels], values: vector)
        case ("Add", _): weights[.bias] = Tensor(shape: [channels], values: vector)
        case ("Sub", true): weights[.bias] = Tensor(shape: [channels], values: vector.map { -$0 })
        case ("Sub", false):
            weights[.scale] = Tensor(shape: [channels], values: [Float](repeating: -1, count: channels))
            weights[.bias] = Tensor(shape: [channels], values: vector)
        case ("Div", true): weights[.scale] = Tensor(shape: [channels], values: vector.map { 1 / $0 })
        default: throw fail(node, "division by an activation is not supported")
        }
        try add(.scale(ScaleParameters()), node, inputs: [x], output: output, weights: weights)
    }

    /// A per-channel Mul or Add right after a GroupNorm (as PyTorch and pzconv write
    /// GroupNorm's affine part) that is the normalization's only reader goes into
    /// its scale and bias; the node takes the ONNX node's name.
    ///
    /// Likewise an Add of a per-channel constant after a (de)convolution without a
    /// bias or fused work: the bias (pzconv's export of a deconvolution that extends
    /// its output writes ConvTranspose, Pad, then the bias Add).
    private mutating func absorbAffine(_ node: ONNXNode, into x: String, vector: [Float]) throws -> Bool {
        guard ["Mul", "Add"].contains(node.opType), let index = nodes.indices.last, nodes[index].outputs == [x],
              isSoleReader(node, of: x) else { return false }
        if let parameters = nodes[index].op.convolutionParameters {
            guard node.opType == "Add", nodes[index].weights[.bias] == nil, nodes[index].inputs.count == 1,
                  parameters.epilogue == ConvolutionEpilogue() else { return false }
            nodes[index].weights[.bias] = Tensor(shape: [vector.count], values: vector)
            adopt(index, output: node)
            return true
        }
        guard case .groupNorm = nodes[index].op else { return false }
        let channels = vector.count
        var scale = nodes[index].weights[.scale]?.values ?? [Float](repeating: 1, count: channels)
        var bias = nodes[index].weights[.bias]?.values ?? [Float](repeating: 0, count: channels)
        if node.opType == "Mul" {
            scale = zip(scale, vector).map { $0 * $1 }
            bias = zip(bias, vector).map { $0 * $1 }
        } else {
            bias = zip(bias, vector).map { $0 + $1 }
        }
        nodes[index].weights[.scale] = Tensor(shape: [channels], values: scale)
        nodes[index].weights[.bias] = Tensor(shape: [channels], values: bias)
        adopt(index, output: node)
        return true
    }

    /// Whether `node` is the only reader of activation `x` (under any ONNX name a
    /// GroupNorm view gave it), and `x` is no graph output.
    func isSoleReader(_ node: ONNXNode, of x: String) -> Bool {
        let aliases = Set(values.compactMap { name, value -> String? in
            switch value {
            case .tensor(x), .groupNormalized(x, _): name
            default: nil
            }
        })
        let otherReaders = model.graph.nodes.contains { reader in
            reader.outputs != node.outputs && reader.inputs.contains(where: aliases.contains)
                && !reader.outputs.allSatisfy(aliases.contains)
        }
        return !otherReaders && !model.graph.outputs.contains { aliases.contains($0.name) }
    }

    /// The IR node at `index` takes over `node`'s output (and, when it has one, its name).
    mutating func adopt(_ index: Int, output node: ONNXNode) {
        let shape = shapes[nodes[index].outputs[0]]!
        nodes[index].outputs = [node.outputs[0]]
        if !node.name.isEmpty {
            nodes[index].name = claimNodeName(node.name)
            nodes[index].sourceLayers = [node.name]
        }
        shapes[node.outputs[0]] = shape
        values[node.outputs[0]] = .tensor(node.outputs[0])
    }

    /// pzconv's own export of a Caffe average pool whose last window overhangs the
    /// padding: AveragePool (end padding grown, counting padding) times a constant per
    /// output position. When the constant is exactly that correction for a smaller end
    /// padding with Caffe's ceil rounding, the pool becomes that pool again.
    private mutating func absorbDivisorCorrection(_ node: ONNXNode, _ arguments: [ONNXImportedValue?]) throws -> Bool {
        guard arguments.count == 2, case .tensor(let pooled)? = arguments[0], case .constant(let factors)? = arguments[1],
              let index = nodes.indices.last, nodes[index].outputs == [pooled],
              case .pooling(let p) = nodes[index].op, p.method == .average, p.averageCountsPadding, p.rounding == .floor,
              isSoleReader(node, of: pooled) else { return false }
        let input = shapes[nodes[index].inputs[0]]!, output = shapes[pooled]!
        guard factors.shape == [1, 1] + onnxShape(output)[2...] else { return false }
        var candidate = p
        candidate.rounding = .caffeCeil
        for axis in 0..<3 {
            // The smallest end padding that gives the same extent with Caffe's rounding.
            guard let padEnd = (0...p.padEnd[axis]).first(where: { padEnd in
                var trial = candidate
                trial.padEnd[axis] = padEnd
                return trial.outputExtent(input: input[2 + axis], axis: axis) == output[2 + axis]
            }) else { return false }
            candidate.padEnd[axis] = padEnd
        }
        let expected = candidate.divisorRatios(input: Array(input[2...]), output: Array(output[2...]), countedPadEnd: p.padEnd)
            .map(Double.init)
        guard expected.count == factors.values.count, zip(expected, factors.values).allSatisfy({ abs($0 - $1) <= 1e-6 * abs($0) }) else {
            return false
        }
        nodes[index].op = .pooling(candidate)
        adopt(index, output: node)
        return true
    }

    // MARK: Flat activations (classification heads, squeeze-excitation)

    /// Flatten of an activation whose spatial extent is 1 (after global pooling),
    /// Gemm on such a flat [N, C] activation (as a 1×1×1 convolution), and
    /// Unsqueeze / Squeeze between [N, C] and [N, C, 1, 1, 1].
    private mutating func convertFlat(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], attributes: ONNXAttributes) throws {
        let x = try tensor(arguments[0], node)
        let shape = shapes[x]!
        let output = node.outputs[0]
        guard shape[2...].allSatisfy({ $0 == 1 }) else {
            throw fail(node, "\(node.opType) of an activation with spatial extent \(Array(shape[2...])) is not supported "
                             + "(only after global pooling, where it is [N, C, 1, 1, 1])")
        }
        switch node.opType {
        case "Flatten", "Squeeze":
            if node.opType == "Flatten" { guard try attributes.int("axis", default: 1) == 1 else { throw fail(node, "axis must be 1") } }
            try add(.dropout, node, inputs: [x], output: output)
            flatTensors.insert(output)
        case "Unsqueeze":
            guard flatTensors.contains(x) else { throw fail(node, "Unsqueeze is supported only from a flat [N, C] activation") }
            try add(.dropout, node, inputs: [x], output: output)
            flatTensors.remove(output)
        default:  // Gemm: alpha · A · B(ᵀ) + beta · C
            guard flatTensors.contains(x), try attributes.int("transA", default: 0) == 0 else {
                throw fail(node, "Gemm needs a flat [N, C] activation as A (not transposed)")
            }
            let b = try constant(arguments.count > 1 ? arguments[1] : nil, node, index: 1)
            let transposed = try attributes.int("transB", default: 0) != 0
            let alpha = try attributes.float("alpha", default: 1), beta = try attributes.float("beta", default: 1)
            guard b.shape.count == 2, b.shape[transposed ? 1 : 0] == shape[1] else {
                throw fail(node, "B of shape \(b.shape) does not take \(shape[1]) inputs")
            }
            let (inputs, outputs) = (shape[1], b.shape[transposed ? 0 : 1])
            var weight = [Float](repeating: 0, count: inputs * outputs)
            for f in 0..<outputs {
                for c in 0..<inputs {
                    weight[f * inputs + c] = alpha * Float(b.values[transposed ? f * inputs + c : c * outputs + f])
                }
            }
            var weights: [WeightRole: Tensor] = [.weight: Tensor(shape: [outputs, inputs, 1, 1, 1], values: weight)]
            if arguments.count > 2, arguments[2] != nil {
                let c = try constant(arguments[2], node, index: 2)
                guard c.values.count == outputs || c.values.count == 1 else { throw fail(node, "C must hold \(outputs) values") }
                let bias = c.values.count == 1 ? [Float](repeating: Float(c.values[0]), count: outputs) : c.floats
                weights[.bias] = Tensor(shape: [outputs], values: bias.map { beta * $0 })
            }
            try add(.convolution(ConvolutionParameters(outputChannels: outputs, kernel: [1, 1, 1])), node, inputs: [x], output: output,
                    weights: weights)
            flatTensors.insert(output)
        }
    }

    // MARK: Data movement

    private mutating func convertResize(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], attributes: ONNXAttributes) throws {
        let x = try tensor(arguments[0], node)
        let inputShape = onnxShape(shapes[x]!)
        let mode = try attributes.string("mode", default: "nearest")
        let policy = try attributes.string("keep_aspect_ratio_policy", default: "stretch")
        guard policy == "stretch", node.attribute("axes") == nil else {
            throw fail(node, "Resize with keep_aspect_ratio_policy '\(policy)' or an axes attribute is not supported")
        }
        var scales: [Double]?
        if node.opType == "Upsample" {
            if let given = try attributes.floatsIfPresent("scales") {
                scales = given.map(Double.init)
            } else if arguments.count > 1 {
                scales = try constant(arguments[1], node, index: 1).values
            }
        } else if opset >= 11 {
            if arguments.count > 2, arguments[2] != nil, case .constant(let value)? = arguments[2], !value.values.isEmpty {
                scales = value.values
            } else if arguments.count > 3, arguments[3] != nil {
                let sizes = try constant(arguments[3], node, index: 3).values
                guard sizes.count == rank else { throw fail(node, "sizes has \(sizes.count) values for rank \(rank)") }
                scales = zip(sizes, inputShape).map { $0 / Double($1) }
            }
        } else if arguments.count > 1 {
            scales = try constant(arguments[1], node, index: 1).values
        }
        guard let scales, scales.count == rank else { throw fail(node, "needs constant scales or sizes, one per axis") }
        guard scales.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= Double(Graph.maximumSpatialParameter) }) else {
            throw fail(node, "scales \(scales) are not finite positive factors")
        }
        guard scales[0] == 1, scales[1] == 1 else { throw fail(node, "resizes the batch or channel axis (scales \(scales))") }
        let factors = scales[2...].map { Int($0.rounded()) }
        guard zip(scales[2...], factors).allSatisfy({ $0 == Double($1) && $1 >= 1 }) else {
            throw fail(node, "scales \(Array(scales[2...])) are not whole up-sampling factors")
        }
        let transform = try attributes.string("coordinate_transformation_mode", default: opset >= 11 ? "half_pixel" : "asymmetric")
        let nearestMode = try attributes.string("nearest_mode", default: "round_prefer_floor")
        var linear: UpsampleParameters.Coordinates?
        switch mode {
        case "nearest":
            // With whole factors these pick input ⌊o / f⌋, a plain repeat (half_pixel: (o + ½)/f − ½ rounds to it).
            let repeats = (transform == "asymmetric" && nearestMode == "floor") || node.opType == "Upsample" || opset < 11
                || (["half_pixel", "pytorch_half_pixel"].contains(transform) && ["round_prefer_floor", "round_prefer_ceil"].contains(nearestMode))
                || factors.allSatisfy { $0 == 1 }
            guard repeats else {
                throw fail(node, "nearest Resize with coordinate_transformation_mode '\(transform)' and nearest_mode '\(nearestMode)' "
                                 + "is not a plain repeat; pzconv imports asymmetric/floor and half_pixel/round_prefer_floor")
            }
        case "linear", "bilinear", "trilinear":
            switch node.opType == "Upsample" || opset < 11 ? "asymmetric" : transform {
            case "half_pixel", "pytorch_half_pixel": linear = .halfPixel  // the same for outputs longer than 1
            case "align_corners": linear = .alignCorners
            case "asymmetric": linear = .asymmetric
            default:
                throw fail(node, "linear Resize with coordinate_transformation_mode '\(transform)' is not supported "
                                 + "(half_pixel, pytorch_half_pixel, align_corners, asymmetric)")
            }
        default:
            throw fail(node, "Resize mode '\(mode)' is not supported (nearest and linear)")
        }
        try add(.upsample(UpsampleParameters(factors: irSpatial(factors, fill: 1), linear: linear)), node, inputs: [x],
                output: node.outputs[0])
    }

    private mutating func convertPad(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], attributes: ONNXAttributes) throws {
        let x = try tensor(arguments[0], node)
        let mode = try attributes.string("mode", default: "constant")
        guard mode == "constant" else { throw fail(node, "Pad mode '\(mode)' is not supported (constant only)") }
        let pads: [Int]
        var value: Float = 0
        if opset >= 11 {
            guard let given = try constant(arguments.count > 1 ? arguments[1] : nil, node, index: 1).integers else {
                throw fail(node, "pads must be integers")
            }
            pads = given
            if arguments.count > 2, arguments[2] != nil {
                value = try constant(arguments[2], node, index: 2).floats.first ?? 0
            }
            if arguments.count > 3, arguments[3] != nil { throw fail(node, "the axes input is not supported") }
        } else {
            guard let given = try attributes.intsIfPresent("pads") else { throw attributes.fail("pads", "required, missing") }
            pads = given
            value = try attributes.float("value", default: 0)
        }
        guard pads.count == 2 * rank else { throw fail(node, "pads has \(pads.count) values for rank \(rank)") }
        let begin = Array(pads[..<rank]), end = Array(pads[rank...])
        guard begin[0] == 0, begin[1] == 0, end[0] == 0, end[1] == 0 else { throw fail(node, "pads the batch or channel axis") }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw fail(node, "negative pads \(pads) (cropping) are not supported") }
        // Zeros after a bias-free deconvolution extend its output (pzconv's export of a negative deconvolution padding).
        let begin3 = irSpatial(Array(begin[2...]), fill: 0), end3 = irSpatial(Array(end[2...]), fill: 0)
        guard (begin3 + end3).allSatisfy({ $0 <= Graph.maximumSpatialParameter }) else { throw fail(node, "pads \(pads) are out of range") }
        if value == 0, let index = nodes.indices.last, nodes[index].outputs == [x], case .deconvolution(var p) = nodes[index].op,
           nodes[index].weights[.bias] == nil, nodes[index].inputs.count == 1, p.epilogue == ConvolutionEpilogue(),
           (0..<3).allSatisfy({ (begin3[$0] == 0 || p.padBegin[$0] <= 0) && (end3[$0] == 0 || p.padEnd[$0] <= 0) }),
           isSoleReader(node, of: x) {
            p.padBegin = zip(p.padBegin, begin3).map { $0 - $1 }
            p.padEnd = zip(p.padEnd, end3).map { $0 - $1 }
            nodes[index].op = .deconvolution(p)
            var grown = shapes[x]!
            for axis in 0..<3 { grown[2 + axis] += begin3[axis] + end3[axis] }
            shapes[x] = grown
            adopt(index, output: node)
            return
        }
        try add(.pad(PadParameters(begin: irSpatial(Array(begin[2...]), fill: 0), end: irSpatial(Array(end[2...]), fill: 0), value: value)),
                node, inputs: [x], output: node.outputs[0])
    }

    // MARK: Pooling

    private mutating func convertPooling(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], attributes: ONNXAttributes) throws {
        let x = try tensor(arguments[0], node)
        let inputShape = shapes[x]!
        let spatialInput = Array(onnxShape(inputShape)[2...])
        let method: PoolingParameters.Method = node.opType.contains("Max") ? .max : .average
        if node.opType.hasPrefix("Global") {
            let parameters = PoolingParameters(method: method, kernel: Array(inputShape[2...]), stride: [1, 1, 1], rounding: .floor,
                                               averageCountsPadding: false)
            try add(.pooling(parameters), node, inputs: [x], output: node.outputs[0])
            return
        }
        guard node.outputs.count == 1 || node.outputs[1].isEmpty else { throw fail(node, "the Indices output is not supported") }
        var spatial = try ONNXSpatialAttributes(attributes, spatialRank: rank - 2, kernel: nil)
        guard spatial.dilations.allSatisfy({ $0 == 1 }) else { throw fail(node, "dilated pooling is not supported") }
        spatial.resolvePadding(input: spatialInput)
        let ceil = try attributes.int("ceil_mode", default: 0) != 0
        let countsPadding = try attributes.int("count_include_pad", default: 0) != 0
        var parameters = PoolingParameters(method: method, kernel: irSpatial(spatial.kernel, fill: 1), stride: irSpatial(spatial.strides, fill: 1),
                                           padBegin: irSpatial(spatial.padBegin, fill: 0), padEnd: irSpatial(spatial.padEnd, fill: 0),
                                           rounding: ceil ? .caffeCeil : .floor, averageCountsPadding: countsPadding)
        if ceil {
            // ONNX's ceil mode drops a last window that starts past the input and its leading padding,
            // with or without padding; Caffe's only with padding. Where they differ, make the end padding explicit.
            var extents = [Int]()
            for axis in 0..<3 {
                let input = inputShape[2 + axis]
                let span = input + parameters.padBegin[axis] + parameters.padEnd[axis] - parameters.kernel[axis]
                var extent = (span + parameters.stride[axis] - 1) / parameters.stride[axis] + 1
                if (extent - 1) * parameters.stride[axis] >= input + parameters.padBegin[axis] { extent -= 1 }
                extents.append(extent)
            }
            if (0..<3).contains(where: { extents[$0] != parameters.outputExtent(input: inputShape[2 + $0], axis: $0) }) {
                var explicit = parameters
                explicit.rounding = .floor
                for axis in 0..<3 {
                    explicit.padEnd[axis] = max(parameters.padEnd[axis], (extents[axis] - 1) * parameters.stride[axis]
                                                + parameters.kernel[axis] - inputShape[2 + axis] - parameters.padBegin[axis])
                }
                guard method == .max || !countsPadding || explicit.padEnd == parameters.padEnd else {
                    throw fail(node, "ceil_mode with count_include_pad and a window past the input is not supported")
                }
                parameters = explicit
            }
        }
        try add(.pooling(parameters), node, inputs: [x], output: node.outputs[0])
    }
}
