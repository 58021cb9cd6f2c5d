import PZGraph

extension CaffeLayerConversion {
    /// BatchNorm with stored statistics: blobs mean sum, variance sum and the
    /// moving-average factor `s`; mean = blob₀/s and variance = blob₁/s, or both 0
    /// when s = 0 (Caffe's own rule, computed in float32 as Caffe does). The
    /// naibaf7 fork's `fused_relu: true` adds a ReLU.
    func batchNorm() throws -> [Node] {
        try expectBottoms(1)
        try expectTops(1)
        let parameters = layer.parameters.message("batch_norm_param")
        if parameters.has("use_global_stats"), !parameters.boolean("use_global_stats") {
            throw fail("batch_norm_param use_global_stats: false normalizes with batch statistics; inference needs "
                       + "the stored statistics (set it true or remove it)")
        }
        let channels = inputShape()[1]
        let blobs = try blobs(expected: 3...3)
        let mean = try perChannel(blobs, 0, channels: channels)
        let variance = try perChannel(blobs, 1, channels: channels)
        let factorBlob = try perChannel(blobs, 2, channels: 1)
        let stored = factorBlob.values[0]
        let factor: Float = stored == 0 ? 0 : 1 / stored
        let epsilon = Float(parameters.real("eps"))
        let normalization = node(.batchNorm(BatchNormParameters(epsilon: epsilon)), weights: [
            .mean: Tensor(shape: [channels], values: mean.values.map { $0 * factor }),
            .variance: Tensor(shape: [channels], values: variance.values.map { $0 * factor }),
        ])
        return parameters.boolean("fused_relu") ? followedByReLU(normalization, negativeSlope: 0) : [normalization]
    }

    /// Scale over the channel axis (axis 1, num_axes 1) with one bottom:
    /// blob₀ = scale, blob₁ = bias when `bias_term`.
    func scale() throws -> Node {
        guard inputs.count == 1 else {
            throw fail("Scale with \(inputs.count) bottoms (the scale taken from a second blob) is not supported")
        }
        try expectTops(1)
        let parameters = layer.parameters.message("scale_param")
        try checkChannelAxis(parameters, block: "scale_param")
        let channels = inputShape()[1]
        let hasBias = parameters.boolean("bias_term")
        let blobs = try blobs(expected: hasBias ? 2...2 : 1...1)
        var weights: [WeightRole: Tensor] = [.scale: try perChannel(blobs, 0, channels: channels)]
        if hasBias { weights[.bias] = try perChannel(blobs, 1, channels: channels) }
        return node(.scale(ScaleParameters()), weights: weights)
    }

    /// PReLU: blob₀ = one slope per channel, or one for all with
    /// `channel_shared: true` (repeated per channel: the IR keeps one per channel).
    func prelu() throws -> Node {
        try expectBottoms(1)
        try expectTops(1)
        let channels = inputShape()[1]
        let shared = layer.parameters.message("prelu_param").boolean("channel_shared")
        let blobs = try blobs(expected: 1...1)
        let slopes = try perChannel(blobs, 0, channels: shared ? 1 : channels)
        return node(.activation(.prelu),
                    weights: [.slope: shared ? Tensor(shape: [channels], values: Array(repeating: slopes.values[0], count: channels))
                                             : slopes])
    }

    /// Bias over the channel axis with one bottom: blob₀ = bias.
    func bias() throws -> Node {
        guard inputs.count == 1 else { throw fail("Bias with \(inputs.count) bottoms is not supported") }
        try expectTops(1)
        try checkChannelAxis(layer.parameters.message("bias_param"), block: "bias_param")
        let blobs = try blobs(expected: 1...1)
        return node(.scale(ScaleParameters()), weights: [.bias: try perChannel(blobs, 0, channels: inputShape()[1])])
    }

    private func checkChannelAxis(_ parameters: ProtoMessage, block: String) throws {
        let axis = parameters.integer("axis")
        guard axis == 1 || axis == 1 - inputRank(), parameters.integer("num_axes") == 1 else {
            throw fail("\(block) axis \(axis), num_axes \(parameters.integer("num_axes")) is not supported "
                       + "(only per-channel: axis 1, num_axes 1)")
        }
    }
}
