import PZGraph

extension KerasLayerConversion {
    /// BatchNormalization over the channel axis: gamma (if `scale`), beta (if
    /// `center`), moving mean and variance, epsilon.
    func batchNormalization() throws -> Node {
        try expectInputs(1)
        let axisValue = config["axis"]?.int ?? config["axis"]?.array?.first?.int ?? -1
        if let axes = config["axis"]?.array, axes.count != 1 { throw fail("normalizing over several axes is not supported") }
        guard try irAxis(axisValue, field: "axis") == 1 else {
            throw fail("axis \(axisValue) is not the channel axis of \(layout) tensors")
        }
        let channels = inputShapes[0][1]
        let scale = config["scale"]?.bool ?? true
        let center = config["center"]?.bool ?? true
        let roles = (scale ? ["gamma"] : []) + (center ? ["beta"] : []) + ["moving_mean", "moving_variance"]
        let saved = try namedWeights(roles)
        func perChannel(_ role: String) throws -> Tensor {
            Tensor(shape: [channels], values: try checked(saved[role]!, shape: [channels], role: role).readValues())
        }
        var weights: [WeightRole: Tensor] = [.mean: try perChannel("moving_mean"), .variance: try perChannel("moving_variance")]
        if scale { weights[.scale] = try perChannel("gamma") }
        if center { weights[.bias] = try perChannel("beta") }
        let epsilon = Float(config["epsilon"]?.double ?? 1e-3)
        return node(.batchNorm(BatchNormParameters(epsilon: epsilon)), weights: weights)
    }

    /// PReLU with one slope per channel: the saved `alpha` has the input's shape
    /// (without the batch) with every axis in `shared_axes` set to 1; the spatial
    /// axes must all be shared (3-D segmentation nets share them), and a slope
    /// shared by the channels as well is repeated per channel.
    func prelu() throws -> Node {
        try expectInputs(1)
        let alpha = try namedWeights(["alpha"])["alpha"]!
        let channels = inputShapes[0][1]
        let axes = Array(layout.axes.dropFirst())
        guard alpha.shape.count == axes.count, let channelAxis = axes.firstIndex(of: "C") else {
            throw fail("weight '\(alpha.name)' has shape \(alpha.shape.shapeDescription), expected \(axes.count) axes (\(String(axes)))")
        }
        for (axis, extent) in alpha.shape.enumerated() where axis != channelAxis && extent != 1 {
            throw fail("its slopes vary along axis \(axis + 1) (\(axes[axis])): only per-channel slopes are supported "
                       + "(shared_axes must list every spatial axis)")
        }
        guard alpha.shape[channelAxis] == channels || alpha.shape[channelAxis] == 1 else {
            throw fail("weight '\(alpha.name)' has \(alpha.shape[channelAxis]) slopes for \(channels) channels")
        }
        let values = try alpha.readValues()
        let slopes = alpha.shape[channelAxis] == 1 ? Array(repeating: values[0], count: channels) : values
        return node(.activation(.prelu), weights: [.slope: Tensor(shape: [channels], values: slopes)])
    }

    /// MaxPooling / AveragePooling: TF semantics (floor rounding, "same" padding
    /// with the odd pixel at the end, averages over real positions only).
    func pooling() throws -> Node {
        try expectInputs(1)
        try checkDataFormat(rank: layer.className.hasSuffix("3D") ? 3 : 2)
        let size = try spatialTuple("pool_size", default: 2)
        let strides = (config["strides"].map { $0.isNull } ?? true) ? size : try spatialTuple("strides")
        let input = Array(inputShapes[0][(5 - spatialRank)...])
        var begin = Array(repeating: 0, count: spatialRank), end = begin
        switch config["padding"]?.string ?? "valid" {
        case "valid": break
        case "same":
            for axis in 0..<spatialRank {
                let output = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max((output - 1) * strides[axis] + size[axis] - input[axis], 0)
                begin[axis] = total / 2
                end[axis] = total - total / 2
            }
        case let padding:
            throw fail("padding '\(padding)' is not supported (valid or same)")
        }
        let method: PoolingParameters.Method = layer.className.hasPrefix("Max") ? .max : .average
        return node(.pooling(PoolingParameters(method: method, kernel: threeD(size, neutral: 1), stride: threeD(strides, neutral: 1),
                                               padBegin: threeD(begin, neutral: 0), padEnd: threeD(end, neutral: 0),
                                               rounding: .floor, averageCountsPadding: false)))
    }

    func upsampling() throws -> Node {
        try expectInputs(1)
        try checkDataFormat(rank: layer.className == "UpSampling3D" ? 3 : 2)
        if let interpolation = config["interpolation"]?.string, interpolation != "nearest" {
            throw fail("interpolation '\(interpolation)' is not supported (nearest)")
        }
        return node(.upsample(UpsampleParameters(factors: threeD(try spatialTuple("size", default: 2), neutral: 1))))
    }

    /// Cropping3D / Cropping2D: `((d0, d1), (h0, h1), (w0, w1))`, or one int per
    /// axis, or one int for all.
    func cropping() throws -> Node {
        try expectInputs(1)
        try checkDataFormat(rank: layer.className == "Cropping3D" ? 3 : 2)
        let (begin, end) = try pairs("cropping")
        try checkSpatialRange("cropping", begin + end, minimum: 0)
        return node(.crop(CropParameters(offsets: [0, 0] + threeD(begin, neutral: 0), trimEnd: [0, 0] + threeD(end, neutral: 0))))
    }

    func zeroPadding() throws -> Node {
        try expectInputs(1)
        try checkDataFormat(rank: layer.className == "ZeroPadding3D" ? 3 : 2)
        let (begin, end) = try pairs("padding")
        return node(.pad(PadParameters(begin: threeD(begin, neutral: 0), end: threeD(end, neutral: 0))))
    }

    private func pairs(_ key: String) throws -> ([Int], [Int]) {
        let value = config[key] ?? .null
        if let single = value.int { return (Array(repeating: single, count: spatialRank), Array(repeating: single, count: spatialRank)) }
        if let items = value.array, items.count == spatialRank {
            if let singles = Optional(items.compactMap(\.int)), singles.count == spatialRank { return (singles, singles) }
            let pairs = items.compactMap { $0.array?.compactMap(\.int) }
            if pairs.count == spatialRank, pairs.allSatisfy({ $0.count == 2 }) { return (pairs.map { $0[0] }, pairs.map { $0[1] }) }
        }
        throw fail("\(key) \(value) is not \(spatialRank) (begin, end) pairs")
    }

    func merge(_ parameters: EltwiseParameters, exactly count: Int? = nil) throws -> Node {
        if let count { try expectInputs(count) } else { try expectInputs(atLeast: 2) }
        return node(.eltwise(parameters))
    }

    /// Keras' ReLU layer; a `max_value` cap or a `threshold` other than 0 is not supported.
    func reluLayer() throws -> Node {
        try expectInputs(1)
        if let cap = config["max_value"], !cap.isNull {
            throw fail("max_value \(cap) (a capped ReLU) is not supported")
        }
        if let threshold = config["threshold"]?.double, threshold != 0 { throw fail("threshold \(threshold) is not supported") }
        return node(.activation(.relu(negativeSlope: Float(config["negative_slope"]?.double ?? 0))))
    }
}
