import Foundation
import PZGraph

extension ReferenceOps {
    /// `(x − mean) / √(variance + ε)`, then `· scale + bias` when present.
    static func batchNorm(_ input: Tensor, weights: [WeightRole: Tensor], epsilon: Float) -> Tensor {
        let mean = weights[.mean]!.values
        let variance = weights[.variance]!.values
        let scale = weights[.scale]?.values
        let bias = weights[.bias]?.values
        return perChannel(input) { c, value in
            let normalized = (value - Double(mean[c])) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            return normalized * Double(scale?[c] ?? 1) + Double(bias?[c] ?? 0)
        }
    }

    /// `activation(x · scale + bias)` per channel (each part may be absent; PReLU
    /// takes the channel's slope from `slopes`).
    static func scale(_ input: Tensor, scale: Tensor?, bias: Tensor?, activation: Activation?, slopes: Tensor?) -> Tensor {
        perChannel(input) { c, value in
            let affine = value * Double(scale?.values[c] ?? 1) + Double(bias?.values[c] ?? 0)
            return activation?.apply(affine, slope: Double(slopes?.values[c] ?? 0)) ?? affine
        }
    }

    /// Softmax along `axis`, with the maximum subtracted for stability.
    static func softmax(_ input: Tensor, axis: Int) -> Tensor {
        let shape = input.shape
        let extent = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        var output = [Float](repeating: 0, count: input.elementCount)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * extent * inner + i
                var maximum = -Double.infinity
                for k in 0..<extent { maximum = max(maximum, Double(input.values[base + k * inner])) }
                var total = 0.0
                for k in 0..<extent { total += exp(Double(input.values[base + k * inner]) - maximum) }
                for k in 0..<extent {
                    output[base + k * inner] = Float(exp(Double(input.values[base + k * inner]) - maximum) / total)
                }
            }
        }
        return Tensor(shape: shape, values: output)
    }

    /// Element-wise sum (with coefficients), product, max or difference.
    static func eltwise(_ inputs: [Tensor], _ p: EltwiseParameters) -> Tensor {
        let count = inputs[0].elementCount
        var output = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let values = inputs.map { Double($0.values[index]) }
            let result: Double
            switch p.operation {
            case .sum:
                let coefficients = p.coefficients?.map(Double.init) ?? Array(repeating: 1, count: values.count)
                result = zip(values, coefficients).reduce(0) { $0 + $1.0 * $1.1 }
            case .product:
                result = values.reduce(1, *)
            case .max:
                result = values.max()!
            case .subtract:
                result = values[0] - values[1]
            }
            output[index] = Float(result)
        }
        return Tensor(shape: inputs[0].shape, values: output)
    }

    /// Applies `transform(channel, value)` to every element, in Double.
    private static func perChannel(_ input: Tensor, _ transform: (Int, Double) -> Double) -> Tensor {
        let x = Shape5(input.shape)
        var output = [Float](repeating: 0, count: x.count)
        for index in 0..<x.count {
            let channel = (index / x.planeSize) % x.c
            output[index] = Float(transform(channel, Double(input.values[index])))
        }
        return Tensor(shape: input.shape, values: output)
    }
}
