import Foundation
import PZGraph
import PZReference
import Testing

@Suite struct PointwiseReferenceTests {
    /// (x − mean) / √(var + ε): (3 − 1) / √(3 + 1) = 1; the ε is inside the root.
    @Test func batchNormEpsilonInsideTheRoot() throws {
        let y = try runOp(.batchNorm(BatchNormParameters(epsilon: 1)), [row([3, 1])],
                          weights: [.mean: tensor([1], [1]), .variance: tensor([1], [3])])
        #expect(y.values == [1, 0])
    }

    /// Keras' gamma and beta: ((5 − 1) / √4) · 3 + 0.5 = 6.5, per channel.
    @Test func batchNormWithScaleAndBias() throws {
        let y = try runOp(.batchNorm(BatchNormParameters(epsilon: 0)), [tensor([1, 2, 1, 1, 1], [5, 5])],
                          weights: [.mean: tensor([2], [1, 5]), .variance: tensor([2], [4, 1]),
                                    .scale: tensor([2], [3, 1]), .bias: tensor([2], [0.5, -1])])
        #expect(y.values == [6.5, -1])
    }

    @Test func scaleAndBiasPerChannel() throws {
        let y = try runOp(.scale(ScaleParameters()), [tensor([1, 2, 1, 1, 2], [1, 2, 3, 4])],
                          weights: [.scale: tensor([2], [2, -1]), .bias: tensor([2], [0, 10])])
        #expect(y.values == [2, 4, 7, 6])
        let biasOnly = try runOp(.scale(ScaleParameters()), [row([1, 2])], weights: [.bias: tensor([1], [1])])
        #expect(biasOnly.values == [2, 3])
    }

    /// ELU with alpha 0.5: −1 → 0.5 · (e⁻¹ − 1); positive values pass.
    @Test func eluAlpha() throws {
        let y = try runOp(.activation(.elu(alpha: 0.5)), [row([-1, 2, 0])])
        #expect(close(y.values, [Float(0.5 * (exp(-1.0) - 1)), 2, 0]))
    }

    @Test func leakyReLU() throws {
        let y = try runOp(.activation(.relu(negativeSlope: 0.1)), [row([-2, 3])])
        #expect(close(y.values, [-0.2, 3]))
    }

    @Test func sigmoidAndTanh() throws {
        let sigmoid = try runOp(.activation(.sigmoid), [row([0, 2])])
        #expect(close(sigmoid.values, [0.5, Float(1 / (1 + exp(-2.0)))]))
        let tanh = try runOp(.activation(.tanh), [row([0, 1])])
        #expect(close(tanh.values, [0, Float(Foundation.tanh(1.0))]))
    }

    /// Softmax over channels at each position: [1, 2, 3] → e^k / (e + e² + e³).
    @Test func softmaxOverChannels() throws {
        let y = try runOp(.softmax(SoftmaxParameters(axis: 1)), [tensor([1, 3, 1, 1, 2], [1, 0, 2, 0, 3, 0])])
        let total = exp(1.0) + exp(2.0) + exp(3.0)
        let third: Float = 1.0 / 3
        let expected: [Float] = [Float(exp(1.0) / total), third, Float(exp(2.0) / total), third,
                                 Float(exp(3.0) / total), third]
        #expect(close(y.values, expected))
    }

    @Test func eltwiseOperations() throws {
        let a = row([1, -2, 3])
        let b = row([4, 5, -6])
        #expect(try runOp(.eltwise(EltwiseParameters(operation: .sum, coefficients: [0.5, -1.5])), [a, b]).values
                == [-5.5, -8.5, 10.5])
        #expect(try runOp(.eltwise(EltwiseParameters(operation: .sum)), [a, b]).values == [5, 3, -3])
        #expect(try runOp(.eltwise(EltwiseParameters(operation: .product)), [a, b]).values == [4, -10, -18])
        #expect(try runOp(.eltwise(EltwiseParameters(operation: .max)), [a, b]).values == [4, 5, 3])
        #expect(try runOp(.eltwise(EltwiseParameters(operation: .subtract)), [a, b]).values == [-3, -7, 9])
    }

    @Test func dropoutAndSplitAreIdentities() throws {
        let x = row([1, 2, 3])
        #expect(try runOp(.dropout, [x]) == x)
        #expect(try runOp(.split, [x]) == x)
    }
}
