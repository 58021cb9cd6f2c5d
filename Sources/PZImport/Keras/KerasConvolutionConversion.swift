import PZGraph

extension KerasLayerConversion {
    /// Conv3D / Conv2D: TensorFlow's padding ("same" puts the odd pixel at the
    /// end), dilation, groups, bias, then the activation.
    func convolution() throws -> [Node] {
        try expectInputs(1)
        try checkDataFormat(rank: layer.className == "Conv3D" ? 3 : 2)
        let filters = try positive("filters")
        let groups = config["groups"]?.int ?? 1
        let kernel = try spatialTuple("kernel_size")
        let strides = try spatialTuple("strides", default: 1)
        let dilation = try spatialTuple("dilation_rate", default: 1)
        let input = inputShapes[0]
        let channels = input[1]
        guard groups >= 1, channels % groups == 0, filters % groups == 0 else {
            throw fail("groups \(groups) must divide the \(channels) input channels and \(filters) filters")
        }
        let extents = (0..<spatialRank).map { dilation[$0] * (kernel[$0] - 1) + 1 }
        let spatialInput = Array(input[(5 - spatialRank)...])
        let (padBegin, padEnd) = try convolutionPadding(input: spatialInput, extents: extents, strides: strides)
        let useBias = config["use_bias"]?.bool ?? true
        let saved = try namedWeights(useBias ? ["kernel", "bias"] : ["kernel"])
        var weights: [WeightRole: Tensor] = [
            .weight: try transposedKernel(try checked(saved["kernel"]!, shape: kernel + [channels / groups, filters], role: "kernel")),
        ]
        if useBias {
            weights[.bias] = Tensor(shape: [filters], values: try checked(saved["bias"]!, shape: [filters], role: "bias").readValues())
        }
        let parameters = ConvolutionParameters(outputChannels: filters, kernel: threeD(kernel, neutral: 1),
                                               stride: threeD(strides, neutral: 1), dilation: threeD(dilation, neutral: 1),
                                               padBegin: threeD(padBegin, neutral: 0), padEnd: threeD(padEnd, neutral: 0),
                                               groups: groups)
        return try withActivation(node(.convolution(parameters), weights: weights))
    }

    /// TF "valid" (none) or "same" (`⌈in/s⌉` outputs, total padding
    /// `max((out−1)·s + k_ext − in, 0)`, the smaller half before).
    private func convolutionPadding(input: [Int], extents: [Int], strides: [Int]) throws -> ([Int], [Int]) {
        switch config["padding"]?.string ?? "valid" {
        case "valid":
            return (Array(repeating: 0, count: spatialRank), Array(repeating: 0, count: spatialRank))
        case "same":
            var begin: [Int] = [], end: [Int] = []
            for axis in 0..<spatialRank {
                let output = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max((output - 1) * strides[axis] + extents[axis] - input[axis], 0)
                begin.append(total / 2)
                end.append(total - total / 2)
            }
            return (begin, end)
        case let padding:
            throw fail("padding '\(padding)' is not supported (valid or same)")
        }
    }

    /// Conv3DTranspose / Conv2DTranspose. The output size follows Keras
    /// (`deconv_output_length`, with `output_padding`); the placement follows
    /// TensorFlow's transposed convolution: "valid" starts at 0, "same" drops
    /// `max(full − out, 0) / 2` positions first. The rest of the full result is
    /// cut (or, when `out` is longer, extended) at the end.
    func transposedConvolution() throws -> [Node] {
        try expectInputs(1)
        try checkDataFormat(rank: layer.className == "Conv3DTranspose" ? 3 : 2)
        let filters = try positive("filters")
        guard (config["groups"]?.int ?? 1) == 1 else { throw fail("groups other than 1 are not supported") }
        let kernel = try spatialTuple("kernel_size")
        let strides = try spatialTuple("strides", default: 1)
        let dilation = try spatialTuple("dilation_rate", default: 1)
        let outputPadding: [Int]? = (config["output_padding"].map { $0.isNull } ?? true) ? nil : try spatialTuple("output_padding", minimum: 0)
        let padding = config["padding"]?.string ?? "valid"
        guard padding == "valid" || padding == "same" else { throw fail("padding '\(padding)' is not supported (valid or same)") }
        let input = inputShapes[0]
        let channels = input[1]
        var padBegin: [Int] = [], padEnd: [Int] = []
        for axis in 0..<spatialRank {
            let size = input[5 - spatialRank + axis]
            let extent = dilation[axis] * (kernel[axis] - 1) + 1
            let full = (size - 1) * strides[axis] + extent
            let output: Int
            if let outputPadding {
                let pad = padding == "same" ? extent / 2 : 0
                output = (size - 1) * strides[axis] + extent - 2 * pad + outputPadding[axis]
            } else {
                output = padding == "same" ? size * strides[axis] : size * strides[axis] + max(extent - strides[axis], 0)
            }
            let begin = padding == "same" ? max(full - output, 0) / 2 : 0
            padBegin.append(begin)
            padEnd.append(full - output - begin)
        }
        let useBias = config["use_bias"]?.bool ?? true
        let saved = try namedWeights(useBias ? ["kernel", "bias"] : ["kernel"])
        var weights: [WeightRole: Tensor] = [
            .weight: try transposedKernel(try checked(saved["kernel"]!, shape: kernel + [filters, channels], role: "kernel")),
        ]
        if useBias {
            weights[.bias] = Tensor(shape: [filters], values: try checked(saved["bias"]!, shape: [filters], role: "bias").readValues())
        }
        let parameters = ConvolutionParameters(outputChannels: filters, kernel: threeD(kernel, neutral: 1),
                                               stride: threeD(strides, neutral: 1), dilation: threeD(dilation, neutral: 1),
                                               padBegin: threeD(padBegin, neutral: 0), padEnd: threeD(padEnd, neutral: 0))
        return try withActivation(node(.deconvolution(parameters), weights: weights))
    }

    func positive(_ key: String) throws -> Int {
        guard let value = config[key]?.int, value > 0 else { throw fail("\(key) must be a positive integer") }
        return value
    }
}
