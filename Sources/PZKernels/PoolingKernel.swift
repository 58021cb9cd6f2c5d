import PZGraph
import PZPack

/// Max and average pooling on the blocked layout, one vector (S channels) per
/// output position, with the window rules of `PoolingParameters` (Caffe and TF).
///
/// The windows of every output position are computed once per axis (clipped to
/// the input, plus Caffe's divisor over the padded window), so the inner loops
/// are plain vector max/add over contiguous S-float positions.
struct PoolingKernel: StepKernel, @unchecked Sendable {
    let parameters: PoolingParameters
    let inputShape: BlockedShape
    let outputShape: BlockedShape

    /// Per output position on one axis: the clipped window [start, end) and the
    /// padded window's extent (the Caffe average divisor with padding counted).
    private struct AxisWindows {
        var start: [Int] = [], end: [Int] = [], padded: [Int] = []

        init(_ p: PoolingParameters, axis: Int, inputExtent: Int, outputExtent: Int) {
            for o in 0..<outputExtent {
                let first = o * p.stride[axis] - p.padBegin[axis]
                let paddedEnd = min(first + p.kernel[axis], inputExtent + p.padEnd[axis])
                start.append(max(first, 0))
                end.append(min(paddedEnd, inputExtent))
                padded.append(paddedEnd - first)
            }
        }
    }

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let (input, output) = (inputs[0], outputs[0])
        let windows = [AxisWindows(parameters, axis: 0, inputExtent: inputShape.d, outputExtent: outputShape.d),
                       AxisWindows(parameters, axis: 1, inputExtent: inputShape.h, outputExtent: outputShape.h),
                       AxisWindows(parameters, axis: 2, inputExtent: inputShape.w, outputExtent: outputShape.w)]
        let rows = outputShape.n * outputShape.blocks * outputShape.d * outputShape.h
        let shared = (Shared(UnsafeMutablePointer(mutating: input)), Shared(output))
        parallelRanges(rows, threads: threads) { range in
            windows[2].start.withUnsafeBufferPointer { w0 in
                windows[2].end.withUnsafeBufferPointer { w1 in
                    let columns = (w0.baseAddress!, w1.baseAddress!)
                    if self.inputShape.lanes == 16 {
                        self.rows(range, windows, columns, shared.0.pointer, shared.1.pointer, as: SIMD16<Float>.self)
                    } else {
                        self.rows(range, windows, columns, shared.0.pointer, shared.1.pointer, as: SIMD8<Float>.self)
                    }
                }
            }
        }
    }

    private func rows<V: KernelVector>(_ range: Range<Int>, _ windows: [AxisWindows],
                                       _ columns: (UnsafePointer<Int>, UnsafePointer<Int>),
                                       _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, as _: V.Type) {
        let i = inputShape, o = outputShape
        let isMax = parameters.method == .max
        for row in range {
            let oh = row % o.h
            let od = (row / o.h) % o.d
            let block = (row / (o.h * o.d)) % o.blocks
            let n = row / (o.h * o.d * o.blocks)
            let (d0, d1) = (windows[0].start[od], windows[0].end[od])
            let (h0, h1) = (windows[1].start[oh], windows[1].end[oh])
            let base = input + n * i.batchStride + block * i.blockStride
            let target = output + o.offset(n, block, od, oh, 0)
            if isMax {
                maxRow(base, target, d: d0..<d1, h: h0..<h1, columns: columns, as: V.self)
            } else {
                let rowPadded = windows[0].padded[od] * windows[1].padded[oh]
                let rowClipped = (d1 - d0) * (h1 - h0)
                averageRow(base, target, d: d0..<d1, h: h0..<h1, columns: columns, as: V.self) { ow, clippedWidth in
                    self.parameters.averageCountsPadding ? rowPadded * windows[2].padded[ow] : rowClipped * clippedWidth
                }
            }
        }
    }

    @inline(__always)
    private func maxRow<V: KernelVector>(_ base: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
                                         d: Range<Int>, h: Range<Int>, columns: (UnsafePointer<Int>, UnsafePointer<Int>),
                                         as _: V.Type) {
        let i = inputShape, s = i.lanes
        for ow in 0..<outputShape.w {
            var accumulator = V(repeating: -.infinity)
            let (w0, w1) = (columns.0[ow], columns.1[ow])
            for dd in d {
                for hh in h {
                    let line = base + dd * i.planeStride + hh * i.rowStride
                    for ww in w0..<w1 {
                        accumulator = V.maximum(accumulator, UnsafeRawPointer(line + ww * s).load(as: V.self))
                    }
                }
            }
            UnsafeMutableRawPointer(target + ow * s).storeBytes(of: accumulator, as: V.self)
        }
    }

    @inline(__always)
    private func averageRow<V: KernelVector>(_ base: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
                                             d: Range<Int>, h: Range<Int>,
                                             columns: (UnsafePointer<Int>, UnsafePointer<Int>), as _: V.Type,
                                             divisor: (Int, Int) -> Int) {
        let i = inputShape, s = i.lanes
        for ow in 0..<outputShape.w {
            var accumulator = V()
            let (w0, w1) = (columns.0[ow], columns.1[ow])
            for dd in d {
                for hh in h {
                    let line = base + dd * i.planeStride + hh * i.rowStride
                    for ww in w0..<w1 { accumulator += UnsafeRawPointer(line + ww * s).load(as: V.self) }
                }
            }
            accumulator /= V(repeating: Float(divisor(ow, w1 - w0)))
            UnsafeMutableRawPointer(target + ow * s).storeBytes(of: accumulator, as: V.self)
        }
    }
}
