/// The per-channel affine form `y = M·x + A` of a BatchNorm or Scale node, in
/// Double: BatchNorm `M = γ/√(σ² + ε)`, `A = β − μ·M` (γ = 1 and β = 0 when
/// absent); Scale `M = scale` (1 when absent), `A = bias` (0 when absent). The
/// linear fusion folds it into a convolution; the fast executor's channelwise
/// kernel applies it directly.
public struct LinearTransform: Sendable {
    public var multiplier: [Double]
    public var addend: [Double]

    /// nil for any other op, and for a Scale that also applies an activation
    /// unless `ignoringActivation` (then its affine part). The node's weights must
    /// be valid (validated graph).
    public init?(_ node: Node, ignoringActivation: Bool = false) {
        func values(_ role: WeightRole) -> [Double]? { node.weights[role]?.values.map(Double.init) }
        switch node.op {
        case .batchNorm(let parameters):
            let mean = values(.mean)!, variance = values(.variance)!
            let gamma = values(.scale) ?? Array(repeating: 1, count: mean.count)
            let beta = values(.bias) ?? Array(repeating: 0, count: mean.count)
            let multiplier = mean.indices.map { gamma[$0] / (variance[$0] + Double(parameters.epsilon)).squareRoot() }
            self.multiplier = multiplier
            addend = mean.indices.map { beta[$0] - mean[$0] * multiplier[$0] }
        case .scale(let parameters) where parameters.activation == nil || ignoringActivation:
            let count = (node.weights[.scale] ?? node.weights[.bias]!).elementCount
            multiplier = values(.scale) ?? Array(repeating: 1, count: count)
            addend = values(.bias) ?? Array(repeating: 0, count: count)
        default:
            return nil
        }
    }

    /// This transform, then `next`: `y = M₂(M₁x + A₁) + A₂`.
    public func followed(by next: LinearTransform) -> LinearTransform {
        var composed = next
        composed.multiplier = multiplier.indices.map { multiplier[$0] * next.multiplier[$0] }
        composed.addend = addend.indices.map { addend[$0] * next.multiplier[$0] + next.addend[$0] }
        return composed
    }
}
