import PZGraph

extension ReferenceOps {
    /// Max or average pooling with Caffe or TF semantics (see `PoolingParameters`).
    static func pooling(_ input: Tensor, _ p: PoolingParameters, outputShape: [Int]) -> Tensor {
        let x = Shape5(input.shape)
        let y = Shape5(outputShape)
        var output = [Float](repeating: 0, count: y.count)
        for n in 0..<y.n {
            for c in 0..<y.c {
                for od in 0..<y.d {
                    let (d0, d1, dCount) = window(od, axis: 0, p, extent: x.d)
                    for oh in 0..<y.h {
                        let (h0, h1, hCount) = window(oh, axis: 1, p, extent: x.h)
                        for ow in 0..<y.w {
                            let (w0, w1, wCount) = window(ow, axis: 2, p, extent: x.w)
                            var maximum = -Double.infinity
                            var sum = 0.0
                            for d in d0..<d1 {
                                for h in h0..<h1 {
                                    for w in w0..<w1 {
                                        let value = Double(input.values[x.offset(n, c, d, h, w)])
                                        maximum = max(maximum, value)
                                        sum += value
                                    }
                                }
                            }
                            let result: Double
                            switch p.method {
                            case .max:
                                result = maximum
                            case .average:
                                let divisor = p.averageCountsPadding
                                    ? dCount * hCount * wCount
                                    : (d1 - d0) * (h1 - h0) * (w1 - w0)
                                result = sum / Double(divisor)
                            }
                            output[y.offset(n, c, od, oh, ow)] = Float(result)
                        }
                    }
                }
            }
        }
        return Tensor(shape: y.dims, values: output)
    }

    /// The input range `[start, end)` of output position `o` along `axis`, and the
    /// Caffe average divisor along that axis: the window clipped to
    /// `[−padBegin, extent + padEnd)`, padding included.
    private static func window(_ o: Int, axis: Int, _ p: PoolingParameters, extent: Int) -> (Int, Int, Int) {
        let start = o * p.stride[axis] - p.padBegin[axis]
        let paddedEnd = min(start + p.kernel[axis], extent + p.padEnd[axis])
        let divisor = paddedEnd - start
        return (max(start, 0), min(paddedEnd, extent), divisor)
    }
}
