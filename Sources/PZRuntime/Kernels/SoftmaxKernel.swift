import Foundation

/// Softmax over the channels of a blocked tensor, per position (padding lanes ignored).
struct SoftmaxKernel: @unchecked Sendable {
    let shape: BlockedShape

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, threads: Int) {
        let s = shape.lanes
        let positions = shape.d * shape.h * shape.w
        let rows = shape.n * positions
        let src = Shared(UnsafeMutablePointer(mutating: input))
        let dst = Shared(output)
        parallelRanges(rows, threads: threads) { range in
            var values = [Double](repeating: 0, count: shape.channels)
            for row in range {
                let n = row / positions, position = row % positions
                let base = n * shape.batchStride + position * s
                var maximum = -Double.infinity
                for c in 0..<shape.channels {
                    values[c] = Double(src.pointer[base + (c / s) * shape.blockStride + c % s])
                    maximum = max(maximum, values[c])
                }
                var total = 0.0
                for c in 0..<shape.channels {
                    values[c] = exp(values[c] - maximum)
                    total += values[c]
                }
                for c in 0..<shape.channels {
                    dst.pointer[base + (c / s) * shape.blockStride + c % s] = Float(values[c] / total)
                }
            }
        }
    }
}
