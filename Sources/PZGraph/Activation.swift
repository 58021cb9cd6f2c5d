import Foundation

/// A point-wise activation: a node of its own in an imported graph, or a fused
/// convolution epilogue after the activation-fusion pass.
public enum Activation: Hashable, Sendable {
    /// `x > 0 ? x : negativeSlope · x` (plain ReLU when the slope is 0; Caffe ReLU,
    /// Keras ReLU / LeakyReLU).
    case relu(negativeSlope: Float)
    /// `x > 0 ? x : alpha · (eˣ − 1)` (Caffe ELU, Keras ELU).
    case elu(alpha: Float)
    /// `1 / (1 + e⁻ˣ)`.
    case sigmoid
    /// `tanh(x)`.
    case tanh
    /// `x > 0 ? x : slope[c] · x` with one learned slope per channel c (Caffe PReLU,
    /// Keras PReLU): the slopes are the node's `slope` weight, one value per
    /// channel (a shared slope is repeated at import).
    case prelu

    /// The op name used in `.pzir` files and listings.
    public var opName: String {
        switch self {
        case .relu: "ReLU"
        case .elu: "ELU"
        case .sigmoid: "Sigmoid"
        case .tanh: "TanH"
        case .prelu: "PReLU"
        }
    }

    /// The activation evaluated in double precision (the reference semantics);
    /// `slope` is the channel's PReLU slope (ignored by the others).
    public func apply(_ x: Double, slope preluSlope: Double = 0) -> Double {
        switch self {
        case .relu(let slope): x > 0 ? x : x * Double(slope)
        case .prelu: x > 0 ? x : x * preluSlope
        case .elu(let alpha): x > 0 ? x : Double(alpha) * Foundation.expm1(x)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .tanh: Foundation.tanh(x)
        }
    }
}
