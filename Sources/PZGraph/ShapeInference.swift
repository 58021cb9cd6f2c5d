extension Graph {
    /// The largest tensor the IR admits, in elements (2^33, 32 GiB of float32):
    /// larger declared shapes are rejected as damage, never allocated.
    public static let maximumElementCount = 1 << 33

    /// The largest magnitude of a spatial parameter (kernel, stride, dilation,
    /// padding, factor, offset) the IR admits: larger values are rejected as damage,
    /// and every sum and product of them with tensor sizes stays far from overflow.
    public static let maximumSpatialParameter = 1 << 20

    /// Infers the shape of every tensor, in node order. Nodes must already be in
    /// topological order with valid arity (see `validate()`, which calls this).
    /// Throws a `GraphError` naming the node and the mismatch.
    public func inferShapes() throws -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        for node in nodes {
            let inputShapes = try node.inputs.map { name -> [Int] in
                guard let shape = shapes[name] else {
                    throw GraphError.node(node, "reads tensor '\(name)' before it is produced")
                }
                return shape
            }
            for (name, shape) in zip(node.outputs, try node.inferOutputShapes(inputShapes: inputShapes)) {
                shapes[name] = shape
            }
        }
        return shapes
    }
}

/// The shape rule of every op. Activation shapes are 5-D NCDHW.
enum ShapeRules {
    static func outputShapes(of node: Node, inputShapes: [[Int]]) throws -> [[Int]] {
        for (index, shape) in inputShapes.enumerated() where shape.count != 5 {
            throw GraphError.node(node, "input \(index) '\(node.inputs[index])' has rank \(shape.count), expected 5 (NCDHW)")
        }
        switch node.op {
        case .input(let parameters):
            guard parameters.shape.count == 5, parameters.shape.allSatisfy({ $0 >= 1 }) else {
                throw GraphError.node(node, "shape \(parameters.shape) is not a 5-D NCDHW shape of positive sizes")
            }
            return [parameters.shape]
        case .convolution(let parameters):
            return [try convolution(node, parameters, inputShapes)]
        case .deconvolution(let parameters):
            return [try deconvolution(node, parameters, inputShapes)]
        case .batchNorm(let parameters):
            guard parameters.epsilon >= 0, parameters.epsilon.isFinite else {
                throw GraphError.node(node, "epsilon \(parameters.epsilon) must be finite and non-negative")
            }
            try checkPerChannel(node, roles: [.mean, .variance, .scale, .bias], channels: inputShapes[0][1])
            if let variance = node.weights[.variance], variance.values.contains(where: { Double($0) + Double(parameters.epsilon) <= 0 }) {
                throw GraphError.node(node, "variance + epsilon must be positive for every channel")
            }
            return [inputShapes[0]]
        case .groupNorm(let parameters):
            let channels = inputShapes[0][1]
            guard parameters.groups >= 1, channels % parameters.groups == 0 else {
                throw GraphError.node(node, "\(parameters.groups) groups do not divide \(channels) channels")
            }
            guard parameters.epsilon >= 0, parameters.epsilon.isFinite else {
                throw GraphError.node(node, "epsilon \(parameters.epsilon) must be finite and non-negative")
            }
            guard parameters.epsilon > 0 || Array(inputShapes[0][2...]).elementCount * channels / parameters.groups > 1 else {
                throw GraphError.node(node, "a group of one value with epsilon 0 divides by zero")
            }
            try checkPerChannel(node, roles: [.scale, .bias], channels: channels)
            if let activation = parameters.activation {
                guard activation != .prelu else { throw GraphError.node(node, "a fused PReLU is not supported here") }
                try checkActivation(node, activation)
            }
            return [inputShapes[0]]
        case .scale(let parameters):
            try checkPerChannel(node, roles: [.scale, .bias], channels: inputShapes[0][1])
            if let activation = parameters.activation { try checkActivation(node, activation) }
            try checkSlopes(node, activation: parameters.activation, channels: inputShapes[0][1])
            return [inputShapes[0]]
        case .activation(let activation):
            try checkActivation(node, activation)
            try checkSlopes(node, activation: activation, channels: inputShapes[0][1])
            return [inputShapes[0]]
        case .softmax(let parameters):
            guard (0..<5).contains(parameters.axis) else {
                throw GraphError.node(node, "axis \(parameters.axis) is not an NCDHW axis (0…4)")
            }
            return [inputShapes[0]]
        case .dropout:
            return [inputShapes[0]]
        case .split:
            return Array(repeating: inputShapes[0], count: node.outputs.count)
        case .eltwise(let parameters):
            return [try eltwise(node, parameters, inputShapes)]
        case .channelScale:
            let (x, s) = (inputShapes[0], inputShapes[1])
            guard s == [x[0], x[1], 1, 1, 1] else {
                throw GraphError.node(node, "scales of shape \(s.shapeDescription) for an input of \(x.shapeDescription); "
                                            + "expected \([x[0], x[1], 1, 1, 1].shapeDescription)")
            }
            return [x]
        case .concat(let parameters):
            return [try concat(node, parameters, inputShapes)]
        case .crop(let parameters):
            return [try crop(node, parameters, inputShapes)]
        case .mergeCrop(let parameters):
            return [try mergeCrop(node, parameters, inputShapes)]
        case .pad(let parameters):
            try checkSpatial(node, "begin", parameters.begin, minimum: 0)
            try checkSpatial(node, "end", parameters.end, minimum: 0)
            var shape = inputShapes[0]
            for axis in 0..<3 { shape[2 + axis] += parameters.begin[axis] + parameters.end[axis] }
            return [shape]
        case .pooling(let parameters):
            return [try pooling(node, parameters, inputShapes[0])]
        case .upsample(let parameters):
            try checkSpatial(node, "factors", parameters.factors, minimum: 1)
            var shape = inputShapes[0]
            for axis in 0..<3 { shape[2 + axis] *= parameters.factors[axis] }
            return [shape]
        }
    }

    // MARK: Convolutions

    private static func checkConvolutionParameters(_ node: Node, _ parameters: ConvolutionParameters,
                                                   padMinimum: Int) throws {
        try checkSpatial(node, "kernel", parameters.kernel, minimum: 1)
        try checkSpatial(node, "stride", parameters.stride, minimum: 1)
        try checkSpatial(node, "dilation", parameters.dilation, minimum: 1)
        try checkSpatial(node, "pad_begin", parameters.padBegin, minimum: padMinimum)
        try checkSpatial(node, "pad_end", parameters.padEnd, minimum: padMinimum)
        try checkSpatial(node, "output_pad_begin", parameters.epilogue.outputPadBegin, minimum: 0)
        try checkSpatial(node, "output_pad_end", parameters.epilogue.outputPadEnd, minimum: 0)
        guard parameters.outputChannels >= 1, parameters.groups >= 1 else {
            throw GraphError.node(node, "output_channels \(parameters.outputChannels) and groups \(parameters.groups) must be positive")
        }
        guard parameters.outputChannels % parameters.groups == 0 else {
            throw GraphError.node(node, "output_channels \(parameters.outputChannels) is not divisible by groups \(parameters.groups)")
        }
        if let activation = parameters.epilogue.activation { try checkActivation(node, activation) }
    }

    /// Checks kernel, bias and base-scale shapes; `kernelLeading` is the expected
    /// first two kernel dimensions.
    private static func checkConvolutionWeights(_ node: Node, _ parameters: ConvolutionParameters,
                                                kernelLeading: [Int]) throws {
        let expected = kernelLeading + parameters.kernel
        let actual = node.weights[.weight]!.shape
        guard actual == expected else {
            throw GraphError.node(node, "weight has shape \(actual.shapeDescription), expected \(expected.shapeDescription)")
        }
        try checkPerChannel(node, roles: [.bias, .baseScale], channels: parameters.outputChannels)
        try checkSlopes(node, activation: parameters.epilogue.activation, channels: parameters.outputChannels)
    }

    private static func checkBase(_ node: Node, _ inputShapes: [[Int]], result: [Int]) throws {
        if inputShapes.count == 2, inputShapes[1] != result {
            throw GraphError.node(node, "additive base '\(node.inputs[1])' has shape \(inputShapes[1].shapeDescription), "
                                        + "the convolution result \(result.shapeDescription)")
        }
        if inputShapes.count == 1, node.weights[.baseScale] != nil {
            throw GraphError.node(node, "has a 'base_scale' weight but no additive base input")
        }
    }

    private static func withOutputPadding(_ shape: [Int], _ epilogue: ConvolutionEpilogue) -> [Int] {
        var padded = shape
        for axis in 0..<3 { padded[2 + axis] += epilogue.outputPadBegin[axis] + epilogue.outputPadEnd[axis] }
        return padded
    }

    private static func convolution(_ node: Node, _ parameters: ConvolutionParameters,
                                    _ inputShapes: [[Int]]) throws -> [Int] {
        try checkConvolutionParameters(node, parameters, padMinimum: 0)
        let input = inputShapes[0]
        guard input[1] % parameters.groups == 0 else {
            throw GraphError.node(node, "input has \(input[1]) channels, not divisible by groups \(parameters.groups)")
        }
        try checkConvolutionWeights(node, parameters, kernelLeading: [parameters.outputChannels, input[1] / parameters.groups])
        var result = [input[0], parameters.outputChannels, 0, 0, 0]
        let extent = parameters.kernelExtent
        for axis in 0..<3 {
            let span = input[2 + axis] + parameters.padBegin[axis] + parameters.padEnd[axis] - extent[axis]
            guard span >= 0 else {
                throw GraphError.node(node, "kernel extent \(extent[axis]) is larger than the padded input "
                                            + "(\(input[2 + axis]) + padding) along \(axisName(2 + axis))")
            }
            result[2 + axis] = span / parameters.stride[axis] + 1
        }
        try checkBase(node, inputShapes, result: result)
        return withOutputPadding(result, parameters.epilogue)
    }

    private static func deconvolution(_ node: Node, _ parameters: ConvolutionParameters,
                                      _ inputShapes: [[Int]]) throws -> [Int] {
        try checkConvolutionParameters(node, parameters, padMinimum: -Graph.maximumSpatialParameter)
        let input = inputShapes[0]
        guard input[1] % parameters.groups == 0 else {
            throw GraphError.node(node, "input has \(input[1]) channels, not divisible by groups \(parameters.groups)")
        }
        try checkConvolutionWeights(node, parameters, kernelLeading: [input[1], parameters.outputChannels / parameters.groups])
        var result = [input[0], parameters.outputChannels, 0, 0, 0]
        let extent = parameters.kernelExtent
        for axis in 0..<3 {
            let full = (input[2 + axis] - 1) * parameters.stride[axis] + extent[axis]
            result[2 + axis] = full - parameters.padBegin[axis] - parameters.padEnd[axis]
            guard result[2 + axis] >= 1 else {
                throw GraphError.node(node, "padding trims the whole output along \(axisName(2 + axis))")
            }
        }
        try checkBase(node, inputShapes, result: result)
        return withOutputPadding(result, parameters.epilogue)
    }

    // MARK: Pooling

    private static func pooling(_ node: Node, _ parameters: PoolingParameters, _ input: [Int]) throws -> [Int] {
        try checkSpatial(node, "kernel", parameters.kernel, minimum: 1)
        try checkSpatial(node, "stride", parameters.stride, minimum: 1)
        try checkSpatial(node, "pad_begin", parameters.padBegin, minimum: 0)
        try checkSpatial(node, "pad_end", parameters.padEnd, minimum: 0)
        var output = input
        for axis in 0..<3 {
            guard parameters.padBegin[axis] < parameters.kernel[axis], parameters.padEnd[axis] < parameters.kernel[axis] else {
                throw GraphError.node(node, "padding must be smaller than the kernel along \(axisName(2 + axis))")
            }
            let extent = parameters.outputExtent(input: input[2 + axis], axis: axis)
            guard extent >= 1 else {
                throw GraphError.node(node, "kernel \(parameters.kernel[axis]) does not fit the input "
                                            + "(\(input[2 + axis]) + padding) along \(axisName(2 + axis))")
            }
            let lastStart = (extent - 1) * parameters.stride[axis] - parameters.padBegin[axis]
            guard lastStart < input[2 + axis] else {
                throw GraphError.node(node, "the last window along \(axisName(2 + axis)) lies outside the input")
            }
            output[2 + axis] = extent
        }
        return output
    }

    // MARK: Combinations

    private static func eltwise(_ node: Node, _ parameters: EltwiseParameters, _ inputShapes: [[Int]]) throws -> [Int] {
        for (index, shape) in inputShapes.enumerated().dropFirst() where shape != inputShapes[0] {
            throw GraphError.node(node, "input \(index) '\(node.inputs[index])' has shape \(shape.shapeDescription), "
                                        + "input 0 '\(node.inputs[0])' \(inputShapes[0].shapeDescription)")
        }
        if let coefficients = parameters.coefficients {
            guard parameters.operation == .sum else {
                throw GraphError.node(node, "coefficients are only allowed with the sum operation")
            }
            guard coefficients.count == inputShapes.count else {
                throw GraphError.node(node, "has \(coefficients.count) coefficients for \(inputShapes.count) inputs")
            }
            guard coefficients.allSatisfy(\.isFinite) else { throw GraphError.node(node, "coefficients must be finite") }
        }
        if parameters.operation == .subtract, inputShapes.count != 2 {
            throw GraphError.node(node, "subtract takes exactly 2 inputs, has \(inputShapes.count)")
        }
        return inputShapes[0]
    }

    private static func concat(_ node: Node, _ parameters: ConcatParameters, _ inputShapes: [[Int]]) throws -> [Int] {
        guard (0..<5).contains(parameters.axis) else {
            throw GraphError.node(node, "axis \(parameters.axis) is not an NCDHW axis (0…4)")
        }
        var output = inputShapes[0]
        for (index, shape) in inputShapes.enumerated().dropFirst() {
            for axis in 0..<5 where axis != parameters.axis && shape[axis] != output[axis] {
                throw GraphError.node(node, "input \(index) '\(node.inputs[index])' has shape \(shape.shapeDescription), "
                                            + "input 0 \(inputShapes[0].shapeDescription): they differ along \(axisName(axis))")
            }
            output[parameters.axis] += shape[parameters.axis]
        }
        return output
    }

    private static func crop(_ node: Node, _ parameters: CropParameters, _ inputShapes: [[Int]]) throws -> [Int] {
        let input = inputShapes[0]
        guard parameters.offsets.count == 5, zip(parameters.offsets, input).allSatisfy({ 0 <= $0 && $0 < $1 }) else {
            throw GraphError.node(node, "offsets \(parameters.offsets) must be 5 non-negative values (NCDHW) inside the input "
                                        + input.shapeDescription)
        }
        var output = input
        switch (inputShapes.count, parameters.referenceAxis, parameters.trimEnd) {
        case (2, let axis?, nil):
            guard (0..<5).contains(axis) else { throw GraphError.node(node, "reference axis \(axis) is not an NCDHW axis") }
            for index in axis..<5 { output[index] = inputShapes[1][index] }
        case (1, nil, let trimEnd?):
            guard trimEnd.count == 5, zip(trimEnd, input).allSatisfy({ 0 <= $0 && $0 < $1 }) else {
                throw GraphError.node(node, "trim_end \(trimEnd) must be 5 non-negative values (NCDHW) smaller than the input "
                                            + input.shapeDescription)
            }
            for index in 0..<5 { output[index] = input[index] - parameters.offsets[index] - trimEnd[index] }
        default:
            throw GraphError.node(node, "needs either a reference input and reference_axis, or one input and trim_end")
        }
        for axis in 0..<5 where output[axis] < 1 || parameters.offsets[axis] + output[axis] > input[axis] {
            throw GraphError.node(node, "cannot crop \(max(output[axis], 0)) positions at offset \(parameters.offsets[axis]) "
                                        + "from \(input[axis]) along \(axisName(axis))")
        }
        return output
    }

    private static func mergeCrop(_ node: Node, _ parameters: MergeCropParameters, _ inputShapes: [[Int]]) throws -> [Int] {
        let (a, b) = (inputShapes[0], inputShapes[1])
        guard a[0] == b[0] else { throw GraphError.node(node, "inputs have different batch sizes \(a[0]) and \(b[0])") }
        for axis in 2..<5 where b[axis] < a[axis] {
            throw GraphError.node(node, "second input is smaller than the first along \(axisName(axis)) (\(b[axis]) < \(a[axis]))")
        }
        var output = a
        switch parameters.operation {
        case .stack:
            output[1] = a[1] + b[1]
        case .add:
            guard a[1] == b[1] else { throw GraphError.node(node, "add needs equal channels, has \(a[1]) and \(b[1])") }
        }
        return output
    }

    // MARK: Helpers

    static func axisName(_ axis: Int) -> String { ["N", "C", "D", "H", "W"][axis] }

    private static func checkSpatial(_ node: Node, _ name: String, _ values: [Int], minimum: Int) throws {
        guard values.count == 3 else {
            throw GraphError.node(node, "\(name) has \(values.count) values, expected 3 (D, H, W)")
        }
        guard values.allSatisfy({ $0 >= minimum && abs($0) <= Graph.maximumSpatialParameter }) else {
            throw GraphError.node(node, "\(name) \(values) is out of range")
        }
    }

    private static func checkPerChannel(_ node: Node, roles: [WeightRole], channels: Int) throws {
        for role in roles {
            guard let tensor = node.weights[role] else { continue }
            guard tensor.shape == [channels] else {
                throw GraphError.node(node, "weight '\(role.rawValue)' has shape \(tensor.shape.shapeDescription), expected \(channels)")
            }
        }
    }

    /// A PReLU activation needs its `slope` weight, one finite value per channel;
    /// any other activation has none.
    static func checkSlopes(_ node: Node, activation: Activation?, channels: Int) throws {
        if activation == .prelu {
            guard node.weights[.slope] != nil else { throw GraphError.node(node, "PReLU needs its 'slope' weight") }
            try checkPerChannel(node, roles: [.slope], channels: channels)
        } else if node.weights[.slope] != nil {
            throw GraphError.node(node, "has a 'slope' weight but no PReLU activation")
        }
    }

    private static func checkActivation(_ node: Node, _ activation: Activation) throws {
        switch activation {
        case .relu(let slope) where !slope.isFinite, .elu(let slope) where !slope.isFinite:
            throw GraphError.node(node, "activation parameter must be finite")
        default:
            break
        }
    }
}

extension Node {
    /// The shapes of this node's outputs for the given input shapes, after checking
    /// its arity, weights and parameters; for importers that build a graph node by
    /// node. Throws a `GraphError` naming the node.
    public func inferOutputShapes(inputShapes: [[Int]]) throws -> [[Int]] {
        let signature = OpSignature(op)
        guard signature.inputs.contains(inputs.count), inputs.count == inputShapes.count else {
            throw GraphError.node(self, "takes \(signature.inputs.describedAsCount) inputs, has \(inputs.count)")
        }
        for role in signature.requiredWeights where weights[role] == nil {
            throw GraphError.node(self, "is missing its '\(role.rawValue)' weight")
        }
        let shapes = try ShapeRules.outputShapes(of: self, inputShapes: inputShapes)
        for (name, shape) in zip(outputs, shapes) {
            guard let count = shape.checkedElementCount, count <= Graph.maximumElementCount, shape.allSatisfy({ $0 >= 1 }) else {
                throw GraphError.node(self, "output '\(name)' would have shape \(shape.shapeDescription)")
            }
        }
        return shapes
    }
}
