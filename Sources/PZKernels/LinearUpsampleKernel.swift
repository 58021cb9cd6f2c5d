import PZGraph
import PZPack

/// Linear (trilinear) up-sampling of a blocked tensor (see `UpsampleParameters`):
/// per output position the 8 corner vectors of S channels, weighted by the
/// per-axis tables computed once; rows (batch item, block, D, H) split among threads.
/// The reference twin is `ReferenceOps.linearUpsample`.
struct LinearUpsampleKernel: StepKernel, @unchecked Sendable {
    let inputShape: BlockedShape
    let outputShape: BlockedShape
    /// Per axis (D, H, W), per output position: first source, second source, second's weight.
    let sources: [[(Int, Int, Float)]]

    init(parameters: UpsampleParameters, inputShape: BlockedShape, outputShape: BlockedShape) {
        self.inputShape = inputShape
        self.outputShape = outputShape
        let inputs = [inputShape.d, inputShape.h, inputShape.w], outputs = [outputShape.d, outputShape.h, outputShape.w]
        sources = (0..<3).map { axis in
            (0..<outputs[axis]).map { o in
                let (first, second, weight) = parameters.linearSource(o, input: inputs[axis], axis: axis)
                return (first, second, Float(weight))
            }
        }
    }

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let source = Shared(UnsafeMutablePointer(mutating: inputs[0])), target = Shared(outputs[0])
        let rows = outputShape.n * outputShape.blocks * outputShape.d * outputShape.h
        parallelRanges(rows, threads: threads) { range in
            if self.inputShape.lanes == 16 {
                self.rows(range, source.pointer, target.pointer, as: SIMD16<Float>.self)
            } else {
                self.rows(range, source.pointer, target.pointer, as: SIMD8<Float>.self)
            }
        }
    }

    private func rows<V: KernelVector>(_ range: Range<Int>, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                       as _: V.Type) {
        let out = outputShape, s = out.lanes
        func load(_ n: Int, _ block: Int, _ d: Int, _ h: Int, _ w: Int) -> V {
            UnsafeRawPointer(input + inputShape.offset(n, block, d, h, w)).load(as: V.self)
        }
        for row in range {
            let h = row % out.h, d = (row / out.h) % out.d
            let block = (row / (out.h * out.d)) % out.blocks, n = row / (out.h * out.d * out.blocks)
            let (d0, d1, td) = sources[0][d], (h0, h1, th) = sources[1][h]
            let target = output + out.offset(n, block, d, h, 0)
            let tdv = V(repeating: td), thv = V(repeating: th)
            for w in 0..<out.w {
                let (w0, w1, tw) = sources[2][w]
                let twv = V(repeating: tw)
                func lerpW(_ dd: Int, _ hh: Int) -> V {
                    let a = load(n, block, dd, hh, w0)
                    return a + (load(n, block, dd, hh, w1) - a) * twv
                }
                func lerpH(_ dd: Int) -> V {
                    let a = lerpW(dd, h0)
                    return a + (lerpW(dd, h1) - a) * thv
                }
                let near = lerpH(d0)
                let value = near + (lerpH(d1) - near) * tdv
                UnsafeMutableRawPointer(target + w * s).storeBytes(of: value, as: V.self)
            }
        }
    }
}
