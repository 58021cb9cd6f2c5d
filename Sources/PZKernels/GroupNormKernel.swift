import PZGraph
import PZPack

/// Group (and instance) normalization of a blocked tensor, in three passes over
/// the data, each split by planes (batch item, block, depth) among threads:
///
/// 1. per plane, each lane's sum (rows summed in float vectors, rows added in double);
/// 2. the group means (double), then per plane each lane's sum of squared
///    deviations from its group's mean (two passes, so no cancellation);
/// 3. per channel `m = scale / √(variance + ε)` (or `/(√variance + ε)`) and
///    `a = bias − mean·m`, applied as `activation(x·m + a)`; padding lanes get 0
///    (every fused activation maps 0 to 0).
///
/// The reference twin is `ReferenceOps.groupNorm` (double precision throughout).
struct GroupNormKernel: StepKernel, @unchecked Sendable {
    let spec: GroupNormSpec

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        if spec.shape.lanes == 16 {
            run(inputs[0], outputs[0], threads: threads, as: SIMD16<Float>.self)
        } else {
            run(inputs[0], outputs[0], threads: threads, as: SIMD8<Float>.self)
        }
    }

    private func run<V: KernelVector>(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, threads: Int,
                                      as _: V.Type) {
        let shape = spec.shape, s = shape.lanes
        let planes = shape.n * shape.blocks * shape.d
        let groups = spec.parameters.groups, perGroup = shape.channels / groups
        let count = Double(perGroup * shape.d * shape.h * shape.w)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: planes * s)
        defer { sums.deallocate() }
        let source = Shared(UnsafeMutablePointer(mutating: input)), target = Shared(output), partial = Shared(sums)

        // Per (n, channel) padded to blocks: the group statistic for that channel's lanes.
        func channelStatistic(_ groupValue: (Int, Int) -> Double) -> [Float] {
            var values = [Float](repeating: 0, count: shape.n * shape.blocks * s)
            for n in 0..<shape.n {
                for c in 0..<shape.channels { values[n * shape.blocks * s + c] = Float(groupValue(n, c / perGroup)) }
            }
            return values
        }
        func groupTotals() -> [Double] {
            var totals = [Double](repeating: 0, count: shape.n * groups)
            for plane in 0..<planes {
                let n = plane / (shape.blocks * shape.d), block = (plane / shape.d) % shape.blocks
                for lane in 0..<s where block * s + lane < shape.channels {
                    totals[n * groups + (block * s + lane) / perGroup] += sums[plane * s + lane]
                }
            }
            return totals
        }

        parallelRanges(planes, threads: threads) { range in
            for plane in range { Self.laneSums(source.pointer + plane * shape.planeStride, shape, center: nil, into: partial.pointer + plane * s,
                                               as: V.self) }
        }
        let means = groupTotals().map { $0 / count }
        let centers = channelStatistic { means[$0 * groups + $1] }
        centers.withUnsafeBufferPointer { centerBuffer in
            let center = Shared(UnsafeMutablePointer(mutating: centerBuffer.baseAddress!))
            parallelRanges(planes, threads: threads) { range in
                for plane in range {
                    let n = plane / (shape.blocks * shape.d), block = (plane / shape.d) % shape.blocks
                    let centerVector = UnsafeRawPointer(center.pointer + (n * shape.blocks + block) * s).load(as: V.self)
                    Self.laneSums(source.pointer + plane * shape.planeStride, shape, center: centerVector,
                                  into: partial.pointer + plane * s, as: V.self)
                }
            }
        }
        let variances = groupTotals().map { $0 / count }
        let epsilon = Double(spec.parameters.epsilon)
        var multipliers = [Float](repeating: 0, count: shape.n * shape.blocks * s)
        var addends = multipliers
        for n in 0..<shape.n {
            for c in 0..<shape.channels {
                let group = n * groups + c / perGroup
                let divisor = spec.parameters.epsilonOutsideRoot ? variances[group].squareRoot() + epsilon : (variances[group] + epsilon).squareRoot()
                let m = Double(spec.scale?[c] ?? 1) / divisor
                multipliers[n * shape.blocks * s + c] = Float(m)
                addends[n * shape.blocks * s + c] = Float(Double(spec.bias?[c] ?? 0) - means[group] * m)
            }
        }
        multipliers.withUnsafeBufferPointer { mBuffer in
            addends.withUnsafeBufferPointer { aBuffer in
                let m = Shared(UnsafeMutablePointer(mutating: mBuffer.baseAddress!))
                let a = Shared(UnsafeMutablePointer(mutating: aBuffer.baseAddress!))
                parallelRanges(planes, threads: threads) { range in
                    for plane in range {
                        let n = plane / (shape.blocks * shape.d), block = (plane / shape.d) % shape.blocks
                        let vectorOffset = (n * shape.blocks + block) * s
                        let mVector = UnsafeRawPointer(m.pointer + vectorOffset).load(as: V.self)
                        let aVector = UnsafeRawPointer(a.pointer + vectorOffset).load(as: V.self)
                        let from = source.pointer + plane * shape.planeStride, to = target.pointer + plane * shape.planeStride
                        for position in stride(from: 0, to: shape.planeStride, by: s) {
                            let value = activate(UnsafeRawPointer(from + position).load(as: V.self) * mVector + aVector,
                                                 spec.parameters.activation, slopes: V())
                            UnsafeMutableRawPointer(to + position).storeBytes(of: value, as: V.self)
                        }
                    }
                }
            }
        }
    }

    /// Each lane's sum over one plane (of `x`, or of `(x − center)²`), rows in float vectors, rows added in double.
    private static func laneSums<V: KernelVector>(_ plane: UnsafePointer<Float>, _ shape: BlockedShape, center: V?,
                                                  into sums: UnsafeMutablePointer<Double>, as _: V.Type) {
        let s = shape.lanes
        for lane in 0..<s { sums[lane] = 0 }
        for row in 0..<shape.h {
            var rowSum = V()
            let start = plane + row * shape.rowStride
            for position in stride(from: 0, to: shape.rowStride, by: s) {
                let value = UnsafeRawPointer(start + position).load(as: V.self)
                if let center {
                    let deviation = value - center
                    rowSum += deviation * deviation
                } else {
                    rowSum += value
                }
            }
            for lane in 0..<s { sums[lane] += Double(rowSum[lane]) }
        }
    }
}
