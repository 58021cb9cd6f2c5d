import PZGraph

extension ReferenceOps {
    /// Concatenation along `axis`.
    static func concat(_ inputs: [Tensor], axis: Int) -> Tensor {
        var shape = inputs[0].shape
        shape[axis] = inputs.reduce(0) { $0 + $1.shape[axis] }
        let outer = shape[..<axis].reduce(1, *)
        var output: [Float] = []
        output.reserveCapacity(shape.elementCount)
        for o in 0..<outer {
            for input in inputs {
                let block = input.shape[axis...].reduce(1, *)
                output.append(contentsOf: input.values[(o * block)..<((o + 1) * block)])
            }
        }
        return Tensor(shape: shape, values: output)
    }

    /// The block of `outputShape` starting at `offsets` (one per axis).
    static func crop(_ input: Tensor, offsets: [Int], outputShape: [Int]) -> Tensor {
        let x = Shape5(input.shape)
        let y = Shape5(outputShape)
        var output = [Float](repeating: 0, count: y.count)
        for n in 0..<y.n {
            for c in 0..<y.c {
                for d in 0..<y.d {
                    for h in 0..<y.h {
                        let source = x.offset(n + offsets[0], c + offsets[1], d + offsets[2], h + offsets[3], offsets[4])
                        let destination = y.offset(n, c, d, h, 0)
                        for w in 0..<y.w { output[destination + w] = input.values[source + w] }
                    }
                }
            }
        }
        return Tensor(shape: y.dims, values: output)
    }

    /// Centre-crops `b` to `a`'s spatial size (offset ⌊(b − a)/2⌋), then stacks the
    /// channels (a first) or adds.
    static func mergeCrop(_ a: Tensor, _ b: Tensor, operation: MergeCropParameters.Operation) -> Tensor {
        let offsets = [0, 0] + (2..<5).map { (b.shape[$0] - a.shape[$0]) / 2 }
        let cropped = crop(b, offsets: offsets, outputShape: [b.shape[0], b.shape[1]] + Array(a.shape[2...]))
        switch operation {
        case .stack: return concat([a, cropped], axis: 1)
        case .add: return eltwise([a, cropped], EltwiseParameters(operation: .sum))
        }
    }

    /// Constant padding of the spatial axes.
    static func pad(_ input: Tensor, _ p: PadParameters) -> Tensor {
        let x = Shape5(input.shape)
        let y = Shape5([x.n, x.c] + (0..<3).map { x.spatial[$0] + p.begin[$0] + p.end[$0] })
        var output = [Float](repeating: p.value, count: y.count)
        for n in 0..<x.n {
            for c in 0..<x.c {
                for d in 0..<x.d {
                    for h in 0..<x.h {
                        let source = x.offset(n, c, d, h, 0)
                        let destination = y.offset(n, c, d + p.begin[0], h + p.begin[1], p.begin[2])
                        for w in 0..<x.w { output[destination + w] = input.values[source + w] }
                    }
                }
            }
        }
        return Tensor(shape: y.dims, values: output)
    }

    /// Nearest-neighbour up-sampling by repetition.
    /// Linear up-sampling (see `UpsampleParameters`), separable, in double precision.
    static func linearUpsample(_ input: Tensor, _ p: UpsampleParameters) -> Tensor {
        let x = Shape5(input.shape)
        let y = Shape5([x.n, x.c] + (0..<3).map { x.spatial[$0] * p.factors[$0] })
        let sources = (0..<3).map { axis in (0..<y.spatial[axis]).map { p.linearSource($0, input: x.spatial[axis], axis: axis) } }
        var output = [Float](repeating: 0, count: y.count)
        for n in 0..<y.n {
            for c in 0..<y.c {
                for (d, sd) in sources[0].enumerated() {
                    for (h, sh) in sources[1].enumerated() {
                        for (w, sw) in sources[2].enumerated() {
                            var sum = 0.0
                            for (id, wd) in [(sd.0, 1 - sd.2), (sd.1, sd.2)] {
                                for (ih, wh) in [(sh.0, 1 - sh.2), (sh.1, sh.2)] {
                                    for (iw, ww) in [(sw.0, 1 - sw.2), (sw.1, sw.2)] {
                                        sum += wd * wh * ww * Double(input.values[x.offset(n, c, id, ih, iw)])
                                    }
                                }
                            }
                            output[y.offset(n, c, d, h, w)] = Float(sum)
                        }
                    }
                }
            }
        }
        return Tensor(shape: y.dims, values: output)
    }

    static func upsample(_ input: Tensor, factors: [Int]) -> Tensor {
        let x = Shape5(input.shape)
        let y = Shape5([x.n, x.c] + (0..<3).map { x.spatial[$0] * factors[$0] })
        var output = [Float](repeating: 0, count: y.count)
        for n in 0..<y.n {
            for c in 0..<y.c {
                for d in 0..<y.d {
                    for h in 0..<y.h {
                        for w in 0..<y.w {
                            output[y.offset(n, c, d, h, w)] =
                                input.values[x.offset(n, c, d / factors[0], h / factors[1], w / factors[2])]
                        }
                    }
                }
            }
        }
        return Tensor(shape: y.dims, values: output)
    }
}
