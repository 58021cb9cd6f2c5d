import PZGraph
import PZPack

/// Transposed convolution as output phases (`DeconvolutionPhase`): each phase is
/// a convolution of the input with its sub-kernel, computing every stride-th
/// output position from its first, so no multiplication touches the zeros a
/// naive transposed convolution inserts. Kernel = stride gives one tap per
/// phase (the sub-pixel up-sampling of U-Nets); stride 1 one phase, the
/// convolution with the flipped kernel; kernel 4 stride 2 eight phases of 2×2×2.
/// Phases whose sub-kernel is 2×2 or 3×3 in H×W run on Winograd (when the plan
/// chose it), the others on the direct kernel, whose rows of all phases are
/// split among the threads as one range. All store through the one epilogue
/// (bias, base, activation, padded output); phases with no taps along an axis
/// store the epilogue of zero (the bias alone).
struct TransposedConvolutionKernel: StepKernel, @unchecked Sendable {
    let direct: [ConvolutionKernel]
    let winograd: [WinogradKernel]

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        guard let first = direct.first?.spec ?? winograd.first?.spec else { return }
        if !direct.isEmpty {
            ConvolutionKernel.runAll(direct, parameters: first.parameters, vectors: first.vectors, output: first.output,
                                     inputs: inputs, outputs: outputs, threads: threads)
        }
        guard !winograd.isEmpty else { return }
        let (store, _) = EpilogueStore.prepare(output: outputs[0], outputShape: first.output, parameters: first.parameters,
                                               vectors: first.vectors, base: inputs.count > 1 ? inputs[1] : nil,
                                               threads: threads, zeroingBorder: direct.isEmpty)
        for phase in winograd { phase.run(input: inputs[0], store: store, threads: threads) }
    }
}
