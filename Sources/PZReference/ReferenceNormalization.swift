import Foundation
import PZGraph

extension ReferenceOps {
    /// Group normalization (see `GroupNormParameters`): statistics per batch item
    /// and group in double precision, two passes (mean, then squared deviations).
    static func groupNorm(_ input: Tensor, _ p: GroupNormParameters, weights: [WeightRole: Tensor]) -> Tensor {
        let shape = Shape5(input.shape)
        let positions = shape.d * shape.h * shape.w
        let channelsPerGroup = shape.c / p.groups
        let scale = weights[.scale]?.values, bias = weights[.bias]?.values
        var output = [Float](repeating: 0, count: input.values.count)
        for n in 0..<shape.n {
            for group in 0..<p.groups {
                let start = shape.offset(n, group * channelsPerGroup, 0, 0, 0)
                let range = start..<(start + channelsPerGroup * positions)
                let count = Double(range.count)
                let mean = input.values[range].reduce(0.0) { $0 + Double($1) } / count
                let variance = input.values[range].reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
                let divisor = p.epsilonOutsideRoot ? variance.squareRoot() + Double(p.epsilon) : (variance + Double(p.epsilon)).squareRoot()
                for c in (group * channelsPerGroup)..<((group + 1) * channelsPerGroup) {
                    let factor = Double(scale?[c] ?? 1) / divisor, addend = Double(bias?[c] ?? 0)
                    let channelStart = shape.offset(n, c, 0, 0, 0)
                    for index in channelStart..<(channelStart + positions) {
                        let normalized = (Double(input.values[index]) - mean) * factor + addend
                        output[index] = Float(p.activation?.apply(normalized) ?? normalized)
                    }
                }
            }
        }
        return Tensor(shape: input.shape, values: output)
    }
}
