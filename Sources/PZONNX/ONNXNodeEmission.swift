import PZGraph

/// One IR node as ONNX nodes (see `ONNXExporter` for the choices).
extension ONNXGraphEmitter {
    mutating func emitNode(_ node: Node) throws {
        let output = node.outputs[0]
        let outputShape = onnxShape(irShape(output))
        let arguments = node.inputs.map { value($0) }
        switch node.op {
        case .input:
            break
        case .convolution(let parameters), .deconvolution(let parameters):
            try emitConvolution(node, parameters, arguments: arguments)
        case .batchNorm(let parameters):
            let channels = irShape(node.inputs[0])[1]
            let ones = [Float](repeating: 1, count: channels), zeros = [Float](repeating: 0, count: channels)
            let weights = [node.weights[.scale]?.values ?? ones, node.weights[.bias]?.values ?? zeros,
                           node.weights[.mean]!.values, node.weights[.variance]!.values]
            let names = zip(["scale", "bias", "mean", "variance"], weights).map { constant($0.0, shape: [channels], $0.1) }
            emit("BatchNormalization", [arguments[0]] + names, shape: outputShape,
                 attributes: [ONNXAttribute("epsilon", .float(parameters.epsilon))], output: output)
        case .groupNorm(var parameters):
            guard let activation = parameters.activation else {
                try emitGroupNorm(node, parameters, input: arguments[0], shape: outputShape, output: output)
                break
            }
            // A fused activation: the normalization into a helper value, then the activation.
            parameters.activation = nil
            let normalized = claim("\(node.name)/normalized")
            try emitGroupNorm(node, parameters, input: arguments[0], shape: outputShape, output: normalized)
            if let index = nodes.lastIndex(where: { $0.outputs == [normalized] }) {
                nodes[index].name = claim("\(node.name)/normalization")
            }
            let result = emitActivation(activation, node, input: normalized, shape: outputShape, step: "activation")
            finish(result, as: output)
        case .scale(let parameters):
            var result = arguments[0]
            if let scale = node.weights[.scale] {
                result = emit("Mul", [result, channelConstant("scale", scale.values)], shape: outputShape, step: "scale")
            }
            if let bias = node.weights[.bias] {
                result = emit("Add", [result, channelConstant("bias", bias.values)], shape: outputShape, step: "bias")
            }
            if let activation = parameters.activation {
                emitActivation(activation, node, input: result, shape: outputShape, output: output)
            } else {
                emit("Identity", [result], shape: outputShape, output: output)
            }
        case .activation(let activation):
            emitActivation(activation, node, input: arguments[0], shape: outputShape, output: output)
        case .softmax(let parameters):
            emit("Softmax", arguments, shape: outputShape,
                 attributes: [ONNXAttribute("axis", .int(Int64(try onnxAxis(parameters.axis, of: node))))], output: output)
        case .channelScale:
            emit("Mul", arguments, shape: outputShape, output: output)
        case .eltwise(let parameters):
            emitEltwise(parameters, arguments: arguments, shape: outputShape, output: output)
        case .concat(let parameters):
            emit("Concat", arguments, shape: outputShape,
                 attributes: [ONNXAttribute("axis", .int(Int64(try onnxAxis(parameters.axis, of: node))))], output: output)
        case .crop(let parameters):
            emitSlice(arguments[0], from: irShape(node.inputs[0]), offsets: parameters.offsets, to: irShape(output), output: output)
        case .mergeCrop(let parameters):
            let (a, b) = (irShape(node.inputs[0]), irShape(node.inputs[1]))
            let cropped = [b[0], b[1]] + a[2...]
            let offsets = [0, 0] + (2..<5).map { (b[$0] - a[$0]) / 2 }
            let slice = emitSlice(arguments[1], from: b, offsets: offsets, to: cropped, step: "crop")
            switch parameters.operation {
            case .stack:
                emit("Concat", [arguments[0], slice], shape: outputShape, attributes: [ONNXAttribute("axis", .int(1))], output: output)
            case .add:
                emit("Add", [arguments[0], slice], shape: outputShape, output: output)
            }
        case .pad(let parameters):
            emitPad(arguments[0], begin: parameters.begin, end: parameters.end, value: parameters.value, shape: outputShape,
                    output: output)
        case .pooling(let parameters):
            try emitPooling(node, parameters, input: arguments[0], output: output)
        case .upsample(let parameters):
            let scales = [Float](repeating: 1, count: 2) + spatial(parameters.factors).map(Float.init)
            let scalesName = constant("scales", shape: [rank], scales)
            let attributes = parameters.linear.map { coordinates in
                [ONNXAttribute("mode", .string("linear")), ONNXAttribute("coordinate_transformation_mode", .string(coordinates.rawValue))]
            } ?? [
                ONNXAttribute("mode", .string("nearest")),
                ONNXAttribute("coordinate_transformation_mode", .string("asymmetric")),
                ONNXAttribute("nearest_mode", .string("floor")),
            ]
            emit("Resize", [arguments[0], "", scalesName], shape: outputShape, attributes: attributes, output: output)
        case .dropout:
            emit("Identity", arguments, shape: outputShape, output: output)
        case .split:
            for (index, splitOutput) in node.outputs.enumerated() {
                emit("Identity", arguments, shape: outputShape, step: index == 0 ? nil : "copy\(index)", output: splitOutput)
            }
        }
    }

    // MARK: Convolutions

    /// Conv / ConvTranspose, then the epilogue's parts in order: fused base,
    /// activation, output border.
    private mutating func emitConvolution(_ node: Node, _ p: ConvolutionParameters, arguments: [String]) throws {
        let output = node.outputs[0]
        let fullShape = onnxShape(irShape(output))
        var shape = fullShape
        for (axis, border) in spatial(zip(p.epilogue.outputPadBegin, p.epilogue.outputPadEnd).map { $0 + $1 }).enumerated() {
            shape[2 + axis] -= border
        }
        let isDeconvolution = if case .deconvolution = node.op { true } else { false }
        let weight = node.weights[.weight]!
        let weightName = constant("weight", shape: Array(weight.shape.prefix(2)) + spatial(Array(weight.shape.suffix(3))), weight.values)
        var attributes = [
            ONNXAttribute("kernel_shape", .ints(spatial(p.kernel).map(Int64.init))),
            ONNXAttribute("strides", .ints(spatial(p.stride).map(Int64.init))),
            ONNXAttribute("dilations", .ints(spatial(p.dilation).map(Int64.init))),
            ONNXAttribute("group", .int(Int64(p.groups))),
        ]
        let extendsOutput = isDeconvolution && (p.padBegin + p.padEnd).contains { $0 < 0 }
        var result: String
        if extendsOutput {
            // ConvTranspose cannot grow its result with bias-only positions: trim what is
            // trimmed, pad zeros where the result grows, then add the bias everywhere.
            let trimmedBegin = p.padBegin.map { max($0, 0) }, trimmedEnd = p.padEnd.map { max($0, 0) }
            attributes.append(ONNXAttribute("pads", .ints((spatial(trimmedBegin) + spatial(trimmedEnd)).map(Int64.init))))
            var trimmedShape = shape
            for axis in 0..<(rank - 2) {
                trimmedShape[2 + axis] -= spatial(p.padBegin.map { max(-$0, 0) })[axis] + spatial(p.padEnd.map { max(-$0, 0) })[axis]
            }
            result = emit("ConvTranspose", [arguments[0], weightName], shape: trimmedShape, attributes: attributes, step: "conv_transpose")
            result = emitPad(result, begin: p.padBegin.map { max(-$0, 0) }, end: p.padEnd.map { max(-$0, 0) }, value: 0, shape: shape,
                             step: "extend")
            if let bias = node.weights[.bias] {
                result = emit("Add", [result, channelConstant("bias", bias.values)], shape: shape, step: "bias")
            }
        } else {
            attributes.append(ONNXAttribute("pads", .ints((spatial(p.padBegin) + spatial(p.padEnd)).map(Int64.init))))
            var convolutionInputs = [arguments[0], weightName]
            if let bias = node.weights[.bias] { convolutionInputs.append(constant("bias", shape: [bias.elementCount], bias.values)) }
            result = emit(isDeconvolution ? "ConvTranspose" : "Conv", convolutionInputs, shape: shape, attributes: attributes,
                          step: isDeconvolution ? "conv_transpose" : "conv")
        }
        if arguments.count > 1 {
            var base = arguments[1]
            if let baseScale = node.weights[.baseScale] {
                base = emit("Mul", [base, channelConstant("base_scale", baseScale.values)], shape: shape, step: "scaled_base")
            }
            result = emit("Add", [result, base], shape: shape, step: "add_base")
        }
        if let activation = p.epilogue.activation {
            result = emitActivation(activation, node, input: result, shape: shape, step: "activation")
        }
        if p.epilogue.hasOutputPadding {
            result = emitPad(result, begin: p.epilogue.outputPadBegin, end: p.epilogue.outputPadEnd, value: 0, shape: fullShape,
                             step: "output_border")
        }
        finish(result, as: output)
    }

    // MARK: Normalization

    /// InstanceNormalization when every channel is its own group; otherwise as
    /// PyTorch writes GroupNorm: Reshape to [N, G, −1], InstanceNormalization with
    /// unit scale, Reshape back, then the per-channel Mul and Add. keras_contrib's
    /// division by √variance + ε has no ONNX op: it is written out on the [N, G, −1]
    /// view (ReduceMean, Sub, Mul, ReduceMean, Sqrt, Add ε, Div), then as above.
    private mutating func emitGroupNorm(_ node: Node, _ p: GroupNormParameters, input: String, shape: [Int], output: String) throws {
        let channels = shape[1]
        if p.epsilonOutsideRoot {
            let grouped = [shape[0], p.groups, shape[1...].reduce(1, *) / p.groups]
            let statistic = [shape[0], p.groups, 1]
            let view = emit("Reshape", [input, integers("group_shape", [0, p.groups, -1])], shape: grouped, step: "groups")
            func mean(_ value: String, _ step: String) -> String {
                if opset >= 18 {
                    return emit("ReduceMean", [value, integers("axes", [2])], shape: statistic, step: step)
                }
                return emit("ReduceMean", [value], shape: statistic, attributes: [ONNXAttribute("axes", .ints([2]))], step: step)
            }
            let centered = emit("Sub", [view, mean(view, "mean")], shape: grouped, step: "centered")
            let squared = emit("Mul", [centered, centered], shape: grouped, step: "squared")
            let deviation = emit("Sqrt", [mean(squared, "variance")], shape: statistic, step: "deviation")
            let divisor = emit("Add", [deviation, constant("epsilon", shape: [], [p.epsilon])], shape: statistic, step: "divisor")
            let normalized = emit("Div", [centered, divisor], shape: grouped, step: "normalize")
            var result = emit("Reshape", [normalized, integers("shape", shape)], shape: shape, step: "channels")
            if let scale = node.weights[.scale] {
                result = emit("Mul", [result, channelConstant("scale", scale.values)], shape: shape, step: "scale")
            }
            if let bias = node.weights[.bias] {
                result = emit("Add", [result, channelConstant("bias", bias.values)], shape: shape, step: "bias")
            }
            finish(result, as: output)
            return
        }
        let scale = node.weights[.scale]?.values ?? [Float](repeating: 1, count: channels)
        let bias = node.weights[.bias]?.values ?? [Float](repeating: 0, count: channels)
        let epsilon = ONNXAttribute("epsilon", .float(p.epsilon))
        if p.groups == channels {
            emit("InstanceNormalization", [input, constant("scale", shape: [channels], scale), constant("bias", shape: [channels], bias)],
                 shape: shape, attributes: [epsilon], output: output)
            return
        }
        let grouped = [shape[0], p.groups, shape[1...].reduce(1, *) / p.groups]
        let view = emit("Reshape", [input, integers("group_shape", [0, p.groups, -1])], shape: grouped, step: "groups")
        let ones = [Float](repeating: 1, count: p.groups), zeros = [Float](repeating: 0, count: p.groups)
        let normalized = emit("InstanceNormalization", [view, constant("group_scale", shape: [p.groups], ones),
                                                        constant("group_bias", shape: [p.groups], zeros)],
                              shape: grouped, attributes: [epsilon], step: "normalize")
        var result = emit("Reshape", [normalized, integers("shape", shape)], shape: shape, step: "channels")
        result = emit("Mul", [result, channelConstant("scale", scale)], shape: shape, step: "scale")
        result = emit("Add", [result, channelConstant("bias", bias)], shape: shape, step: "bias")
        finish(result, as: output)
    }

    // MARK: Point-wise

    @discardableResult
    private mutating func emitActivation(_ activation: Activation, _ node: Node, input: String, shape: [Int],
                                         step: String? = nil, output: String? = nil) -> String {
        switch activation {
        case .relu(let slope) where slope == 0:
            return emit("Relu", [input], shape: shape, step: step, output: output)
        case .relu(let slope):
            return emit("LeakyRelu", [input], shape: shape, attributes: [ONNXAttribute("alpha", .float(slope))], step: step, output: output)
        case .elu(let alpha):
            return emit("Elu", [input], shape: shape, attributes: [ONNXAttribute("alpha", .float(alpha))], step: step, output: output)
        case .sigmoid:
            return emit("Sigmoid", [input], shape: shape, step: step, output: output)
        case .tanh:
            return emit("Tanh", [input], shape: shape, step: step, output: output)
        case .prelu:
            let slopes = node.weights[.slope]!.values
            let slopeName = constant("slope", shape: [slopes.count] + [Int](repeating: 1, count: rank - 2), slopes)
            return emit("PRelu", [input, slopeName], shape: shape, step: step, output: output)
        }
    }

    private mutating func emitEltwise(_ p: EltwiseParameters, arguments: [String], shape: [Int], output: String) {
        switch p.operation {
        case .sum:
            var terms = arguments
            if let coefficients = p.coefficients, coefficients.contains(where: { $0 != 1 }) {
                terms = zip(arguments, coefficients).enumerated().map { index, term in
                    term.1 == 1 ? term.0
                        : emit("Mul", [term.0, constant("coefficient\(index)", shape: [], [term.1])], shape: shape, step: "term\(index)")
                }
            }
            emit(terms.count == 2 ? "Add" : "Sum", terms, shape: shape, output: output)
        case .product:
            var result = arguments[0]
            for (index, factor) in arguments.dropFirst().enumerated() {
                result = emit("Mul", [result, factor], shape: shape, step: index == arguments.count - 2 ? nil : "product\(index)",
                              output: index == arguments.count - 2 ? output : nil)
            }
            if arguments.count == 1 { emit("Identity", arguments, shape: shape, output: output) }
        case .max:
            emit("Max", arguments, shape: shape, output: output)
        case .subtract:
            emit("Sub", arguments, shape: shape, output: output)
        }
    }

    // MARK: Data movement

    /// Slice of `input` (IR shape `from`) starting at `offsets` (NCDHW) to IR shape `to`.
    @discardableResult
    private mutating func emitSlice(_ input: String, from: [Int], offsets: [Int], to: [Int], step: String? = nil,
                                    output: String? = nil) -> String {
        let axes = (0..<5).filter { offsets[$0] != 0 || to[$0] != from[$0] }
        let node = current!
        let onnxAxes = axes.map { (try? onnxAxis($0, of: node)) ?? $0 }
        let starts = integers("starts", axes.map { offsets[$0] })
        let ends = integers("ends", axes.map { offsets[$0] + to[$0] })
        let axesName = integers("axes", onnxAxes)
        return emit("Slice", [input, starts, ends, axesName], shape: onnxShape(to), step: step, output: output)
    }

    /// Constant padding of the spatial axes; `begin`/`end` are (D, H, W).
    @discardableResult
    mutating func emitPad(_ input: String, begin: [Int], end: [Int], value: Float, shape: [Int], step: String? = nil,
                          output: String? = nil) -> String {
        let pads = integers("pads", [0, 0] + spatial(begin) + [0, 0] + spatial(end))
        let fill = constant("pad_value", shape: [], [value])
        return emit("Pad", [input, pads, fill], shape: shape, attributes: [ONNXAttribute("mode", .string("constant"))],
                    step: step, output: output)
    }
}
