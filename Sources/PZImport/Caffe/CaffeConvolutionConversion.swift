import PZGraph

extension CaffeLayerConversion {
    /// Convolution and Deconvolution (both read `convolution_param`). Weights:
    /// Convolution `F × C/g × k…`, Deconvolution `C × F/g × k…` (axes swapped),
    /// bias `F` when `bias_term`.
    func convolution() throws -> [Node] {
        try expectBottoms(1)
        try expectTops(1)
        let parameters = layer.parameters.message("convolution_param")
        let rank = inputRank()
        guard parameters.integer("axis") == 1 || parameters.integer("axis") == 1 - rank else {
            throw fail("convolution_param.axis \(parameters.integer("axis")) is not supported (only the channel axis 1)")
        }
        let fuseType = parameters.enumName("fuse_type")
        guard fuseType == "UNFUSED" || fuseType == "FUSED_CONV_RELU" else {
            throw fail("convolution_param.fuse_type \(fuseType) is not supported")
        }
        let outputChannels = parameters.integer("num_output")
        let groups = parameters.integer("group")
        guard outputChannels > 0 else { throw fail("convolution_param.num_output must be positive") }
        guard groups > 0 else { throw fail("convolution_param.group must be positive") }
        let spatial = CaffeSpatialParameters(parameters: parameters, block: "convolution_param", spatialAxes: rank - 2)
        let kernel: [Int], stride: [Int], pad: [Int], dilation: [Int]
        do {
            kernel = try spatial.values("kernel_size", neutral: 1, required: true)
            stride = try spatial.values("stride", neutral: 1)
            pad = try spatial.values("pad", neutral: 0)
            dilation = try spatial.values("dilation", neutral: 1)
        } catch let error as CaffeParameterError {
            throw fail(error.message)
        }
        let channels = inputShape()[1]
        guard channels % groups == 0, outputChannels % groups == 0 else {
            throw fail("group \(groups) must divide the \(channels) input and \(outputChannels) output channels")
        }
        let isDeconvolution = layer.type == "Deconvolution"
        let caffeKernelShape = rank == 4 ? Array(kernel.dropFirst()) : kernel
        let leading = isDeconvolution ? [channels, outputChannels / groups] : [outputChannels, channels / groups]
        let hasBias = parameters.boolean("bias_term")
        let blobs = try blobs(expected: hasBias ? 2...2 : 1...1)
        var weights: [WeightRole: Tensor] = [
            .weight: try tensor(blobs, 0, caffeShape: leading + caffeKernelShape, irShape: leading + kernel),
        ]
        if hasBias { weights[.bias] = try perChannel(blobs, 1, channels: outputChannels) }
        let ir = ConvolutionParameters(outputChannels: outputChannels, kernel: kernel, stride: stride, dilation: dilation,
                                       padBegin: pad, padEnd: pad, groups: groups)
        let convolution = node(isDeconvolution ? .deconvolution(ir) : .convolution(ir), weights: weights)
        guard fuseType == "FUSED_CONV_RELU" else { return [convolution] }
        return followedByReLU(convolution, negativeSlope: parameters.message("relu_param").real("negative_slope"))
    }

    /// Pooling (BVLC 2-D, and the ND pooling of the 3-D forks: repeated
    /// kernel/stride/pad, `PoolingND` with `pooling_nd_param`). Caffe semantics:
    /// ceil rounding with the last-window clip (or FLOOR), padding counted in the
    /// average's divisor.
    func pooling() throws -> Node {
        try expectBottoms(1)
        try expectTops(1)
        let parameters = layer.parameters.has("pooling_nd_param")
            ? layer.parameters.message("pooling_nd_param") : layer.parameters.message("pooling_param")
        let block = layer.parameters.has("pooling_nd_param") ? "pooling_nd_param" : "pooling_param"
        let method: PoolingParameters.Method
        switch parameters.enumName("pool") {
        case "MAX": method = .max
        case "AVE": method = .average
        default: throw fail("\(block).pool STOCHASTIC is not supported (it is random, and not implemented on CPU in Caffe)")
        }
        guard parameters.integer("axis") == 1 else { throw fail("\(block).axis \(parameters.integer("axis")) is not supported") }
        guard parameters.integers("dilation").allSatisfy({ $0 == 1 }) else {
            throw fail("\(block).dilation other than 1 is not supported")
        }
        let spatial = CaffeSpatialParameters(parameters: parameters, block: block, spatialAxes: inputRank() - 2)
        let input = inputShape()
        var kernel: [Int], stride: [Int], pad: [Int]
        do {
            if parameters.boolean("global_pooling") {
                guard !parameters.has("kernel_size"), !parameters.has("kernel_h"), !parameters.has("kernel_w") else {
                    throw CaffeParameterError("with global_pooling the kernel size cannot be given")
                }
                kernel = Array(input[2...])
                stride = [1, 1, 1]
                pad = try spatial.values("pad", neutral: 0)
                guard pad == [0, 0, 0], try spatial.values("stride", neutral: 1) == [1, 1, 1] else {
                    throw CaffeParameterError("global_pooling needs pad 0 and stride 1")
                }
            } else {
                kernel = try spatial.values("kernel_size", neutral: 1, required: true)
                stride = try spatial.values("stride", neutral: 1)
                pad = try spatial.values("pad", neutral: 0)
            }
        } catch let error as CaffeParameterError {
            throw fail(error.message)
        }
        let rounding: PoolingParameters.Rounding = parameters.enumName("round_mode") == "FLOOR" ? .floor : .caffeCeil
        return node(.pooling(PoolingParameters(method: method, kernel: kernel, stride: stride, padBegin: pad, padEnd: pad,
                                               rounding: rounding, averageCountsPadding: true)))
    }
}
