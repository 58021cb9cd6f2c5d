import PZGraph

/// The reference ops, one static function each. Inputs are valid (shape inference
/// has run); activations are 5-D NCDHW.
enum ReferenceOps {}

extension ReferenceOps {
    /// Direct convolution (correlation) with groups, stride, dilation and
    /// asymmetric zero padding, then the fused epilogue (see `ConvolutionEpilogue`).
    static func convolution(_ input: Tensor, weights: [WeightRole: Tensor], parameters p: ConvolutionParameters,
                            base: Tensor?) -> Tensor {
        let x = Shape5(input.shape)
        let kernel = weights[.weight]!.values
        let bias = weights[.bias]?.values
        let outputChannels = p.outputChannels
        let inputsPerGroup = x.c / p.groups
        let outputsPerGroup = outputChannels / p.groups
        var spatial = [0, 0, 0]
        for axis in 0..<3 {
            spatial[axis] = (x.spatial[axis] + p.padBegin[axis] + p.padEnd[axis] - p.kernelExtent[axis]) / p.stride[axis] + 1
        }
        let y = Shape5([x.n, outputChannels] + spatial)
        let (kd, kh, kw) = (p.kernel[0], p.kernel[1], p.kernel[2])
        // Per axis and kernel tap: the output positions whose input position lies
        // inside the input (the others read zero padding and add nothing).
        func validOutputs(axis: Int, tap: Int) -> Range<Int> {
            let offset = tap * p.dilation[axis] - p.padBegin[axis]
            let first = ceilDivide(-offset, p.stride[axis])
            let end = ceilDivide(x.spatial[axis] - offset, p.stride[axis])
            return max(0, first)..<max(max(0, first), min(spatial[axis], end))
        }
        let reachedD = (0..<kd).map { validOutputs(axis: 0, tap: $0) }
        let reachedH = (0..<kh).map { validOutputs(axis: 1, tap: $0) }
        let reachedW = (0..<kw).map { validOutputs(axis: 2, tap: $0) }
        var sums = [Double](repeating: 0, count: y.count)
        input.values.withUnsafeBufferPointer { values in
            sums.withUnsafeMutableBufferPointer { sums in
                for n in 0..<y.n {
                    OutputChannels.forEach(outputChannels) { f in
                        let firstChannel = (f / outputsPerGroup) * inputsPerGroup
                        let start = y.offset(n, f, 0, 0, 0)
                        for index in start..<(start + y.planeSize) { sums[index] = Double(bias?[f] ?? 0) }
                        // Tap by tap, every output position that tap reaches: the same
                        // sum as per output position, accumulated in another order.
                        for cc in 0..<inputsPerGroup {
                            for i in 0..<kd {
                                for j in 0..<kh {
                                    for k in 0..<kw {
                                        let weight = Double(kernel[(((f * inputsPerGroup + cc) * kd + i) * kh + j) * kw + k])
                                        for od in reachedD[i] {
                                            let id = od * p.stride[0] - p.padBegin[0] + i * p.dilation[0]
                                            for oh in reachedH[j] {
                                                let ih = oh * p.stride[1] - p.padBegin[1] + j * p.dilation[1]
                                                let row = x.offset(n, firstChannel + cc, id, ih, 0)
                                                let target = y.offset(n, f, od, oh, 0)
                                                for ow in reachedW[k] {
                                                    let iw = ow * p.stride[2] - p.padBegin[2] + k * p.dilation[2]
                                                    sums[target + ow] += weight * Double(values[row + iw])
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return epilogue(sums, shape: y, weights: weights, base: base, epilogue: p.epilogue)
    }

    /// Transposed convolution: every input value scatters `x · w` to output
    /// position `i·stride − padBegin + k·dilation` (positions outside the output are
    /// dropped; see `ConvolutionParameters` for negative padding), then the epilogue.
    static func deconvolution(_ input: Tensor, weights: [WeightRole: Tensor], parameters p: ConvolutionParameters,
                              base: Tensor?, outputShape: [Int]) -> Tensor {
        let x = Shape5(input.shape)
        var resultShape = outputShape
        for axis in 0..<3 {
            resultShape[2 + axis] -= p.epilogue.outputPadBegin[axis] + p.epilogue.outputPadEnd[axis]
        }
        let y = Shape5(resultShape)
        let kernel = weights[.weight]!.values
        let bias = weights[.bias]?.values
        let inputsPerGroup = x.c / p.groups
        let outputsPerGroup = p.outputChannels / p.groups
        let (kd, kh, kw) = (p.kernel[0], p.kernel[1], p.kernel[2])
        // Per axis and kernel tap: the input positions whose output position
        // i·stride − padBegin + tap·dilation lies inside the output.
        func reachingInputs(axis: Int, tap: Int) -> Range<Int> {
            let offset = tap * p.dilation[axis] - p.padBegin[axis]
            let first = max(0, ceilDivide(-offset, p.stride[axis]))
            let end = min(x.spatial[axis], ceilDivide(y.spatial[axis] - offset, p.stride[axis]))
            return first..<max(first, end)
        }
        let reachingD = (0..<kd).map { reachingInputs(axis: 0, tap: $0) }
        let reachingH = (0..<kh).map { reachingInputs(axis: 1, tap: $0) }
        let reachingW = (0..<kw).map { reachingInputs(axis: 2, tap: $0) }
        var sums = [Double](repeating: 0, count: y.count)
        input.values.withUnsafeBufferPointer { values in
            sums.withUnsafeMutableBufferPointer { sums in
                for n in 0..<y.n {
                    OutputChannels.forEach(y.c) { f in
                        let group = f / outputsPerGroup
                        let ff = f - group * outputsPerGroup
                        let start = y.offset(n, f, 0, 0, 0)
                        for index in start..<(start + y.planeSize) { sums[index] = Double(bias?[f] ?? 0) }
                        // Tap by tap, every input position that tap carries into the
                        // output: the same sum as the scatter, accumulated in another order.
                        for cc in 0..<inputsPerGroup {
                            let c = group * inputsPerGroup + cc
                            for i in 0..<kd {
                                for j in 0..<kh {
                                    for k in 0..<kw {
                                        let weight = Double(kernel[(((c * outputsPerGroup + ff) * kd + i) * kh + j) * kw + k])
                                        for id in reachingD[i] {
                                            let od = id * p.stride[0] - p.padBegin[0] + i * p.dilation[0]
                                            for ih in reachingH[j] {
                                                let oh = ih * p.stride[1] - p.padBegin[1] + j * p.dilation[1]
                                                let row = x.offset(n, c, id, ih, 0)
                                                let target = y.offset(n, f, od, oh, 0)
                                                for iw in reachingW[k] {
                                                    let ow = iw * p.stride[2] - p.padBegin[2] + k * p.dilation[2]
                                                    sums[target + ow] += weight * Double(values[row + iw])
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return epilogue(sums, shape: y, weights: weights, base: base, epilogue: p.epilogue)
    }

    /// Steps 2–4 of `ConvolutionEpilogue` on the sums (bias already included).
    static func epilogue(_ sums: [Double], shape y: Shape5, weights: [WeightRole: Tensor], base: Tensor?,
                         epilogue: ConvolutionEpilogue) -> Tensor {
        let baseScale = weights[.baseScale]?.values
        let slopes = weights[.slope]?.values
        let (pb, pe) = (epilogue.outputPadBegin, epilogue.outputPadEnd)
        let padded = Shape5([y.n, y.c, y.d + pb[0] + pe[0], y.h + pb[1] + pe[1], y.w + pb[2] + pe[2]])
        var output = [Float](repeating: 0, count: padded.count)
        for n in 0..<y.n {
            for f in 0..<y.c {
                let factor = Double(baseScale?[f] ?? 1)
                let slope = Double(slopes?[f] ?? 0)
                for d in 0..<y.d {
                    for h in 0..<y.h {
                        for w in 0..<y.w {
                            let index = y.offset(n, f, d, h, w)
                            var value = sums[index]
                            if let base { value += factor * Double(base.values[index]) }
                            if let activation = epilogue.activation { value = activation.apply(value, slope: slope) }
                            output[padded.offset(n, f, d + pb[0], h + pb[1], w + pb[2])] = Float(value)
                        }
                    }
                }
            }
        }
        return Tensor(shape: padded.dims, values: output)
    }
}
