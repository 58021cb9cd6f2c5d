import PZGraph
import PZPack

/// Transposed convolution as output phases (`DeconvolutionPhase`): each phase is
/// a direct convolution of the input with its sub-kernel, computing every
/// stride-th output position from its first, so no multiplication touches the
/// zeros a naive transposed convolution inserts. Kernel = stride gives one tap
/// per phase (the sub-pixel up-sampling of U-Nets); stride 1 one phase, the
/// convolution with the flipped kernel (which Winograd runs when it fits). The
/// rows of all phases are split among the threads as one range, and all store
/// through the one epilogue (bias, base, activation, padded output). Phases
/// with no taps along an axis store the epilogue of zero (the bias alone).
struct TransposedConvolutionKernel: StepKernel, @unchecked Sendable {
    let phases: [ConvolutionKernel]

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        guard let first = phases.first?.spec else { return }
        ConvolutionKernel.runAll(phases, parameters: first.parameters, vectors: first.vectors, output: first.output,
                                 inputs: inputs, outputs: outputs, threads: threads)
    }
}
