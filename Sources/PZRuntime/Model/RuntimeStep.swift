import PZGraph

/// One planned node, ready to run: its kernel with weights resolved (pointers
/// into the mapped file, or arrays derived at load), and its buffers.
struct RuntimeStep: @unchecked Sendable {
    enum Kernel {
        case convolution(ConvolutionKernel)
        case winograd(WinogradKernel)
        case deconvolution(DeconvolutionKernel)
        case pooling(PoolingKernel)
        case channelwise(ChannelwiseKernel)
        case eltwise(EltwiseKernel)
        case concat(axis: Int)
        case crop(offsets: [Int])
        case pad(PadParameters)
        case upsample(factors: [Int])
        case softmax(SoftmaxKernel)
        case mergeCrop(MergeCropParameters.Operation)
        case copy
        /// The node with its IR weights, evaluated by the reference executor.
        case reference(Node)
    }

    let node: String
    let kernel: Kernel
    let inputs: [Int]
    let inputShapes: [BlockedShape]
    let outputs: [Int]
    let outputShapes: [BlockedShape]
    /// FLOPs of the node (for per-layer GFLOP/s).
    let flops: Int
}
