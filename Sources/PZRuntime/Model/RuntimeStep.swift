import PZGraph
import PZPack

/// One planned node, ready to run: its kernel (weights resolved: pointers into
/// the model's bytes or into weights derived at load) and its buffers.
struct RuntimeStep: @unchecked Sendable {
    enum Work {
        case kernel(any StepKernel)
        /// The node with its IR weights, evaluated by the reference executor.
        case reference(Node)
    }

    let node: String
    let kind: KernelKind
    let work: Work
    let inputs: [Int]
    let inputShapes: [BlockedShape]
    let outputs: [Int]
    let outputShapes: [BlockedShape]
    /// FLOPs of the node (for per-layer GFLOP/s).
    let flops: Int
}
