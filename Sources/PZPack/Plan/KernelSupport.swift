import PZGraph

/// How the fast kernels treat a (de)convolution's groups.
public enum GroupLayout: Equatable, Sendable {
    /// One group.
    case single
    /// Groups whose input and output channel counts are whole blocks of S: each
    /// chunk of output blocks reads only its group's input blocks.
    case wholeBlocks
    /// A depthwise convolution (one input and one output channel per group): the
    /// depthwise kernel, S channels per vector.
    case depthwise
    /// Any other grouping: run as one group whose kernel is block-diagonal (zeros
    /// between groups), on the direct kernel. Costs `groups` times the FLOPs.
    case expanded
}

/// Which kernels compute which convolutions and deconvolutions; the exporter
/// plans with these and the loader checks plans against them.
extension ConvolutionParameters {
    /// How a convolution (`deconvolution` false) or deconvolution of
    /// `inputChannels` channels runs its groups at `lanes`.
    public func groupLayout(inputChannels: Int, lanes: Int, deconvolution: Bool = false) -> GroupLayout {
        if groups == 1 { return .single }
        if !deconvolution, groups == inputChannels, groups == outputChannels { return .depthwise }
        let wholeBlocks = (inputChannels / groups) % lanes == 0 && (outputChannels / groups) % lanes == 0
        return wholeBlocks ? .wholeBlocks : .expanded
    }

    /// The Winograd kernel: an r×r kernel in H×W with r from 2 to 5 (see
    /// `WinogradVariant`), unit stride and dilation there (any depth, D stride
    /// and D dilation), one group.
    public var fitsWinograd: Bool {
        groups == 1 && kernel[1] == kernel[2] && (2...5).contains(kernel[1]) && stride[1] == 1 && stride[2] == 1
            && dilation[1] == 1 && dilation[2] == 1
    }

    /// A deconvolution that Winograd can run: one group, and some output phase
    /// whose sub-convolution fits Winograd (stride 1 with a 2×2 to 5×5 kernel in
    /// H×W; kernel 4 stride 2, whose phases are 2×2; kernel 3 stride 2, whose
    /// even phases are 2×2). The other phases run on the direct kernel.
    public var deconvolutionFitsWinograd: Bool {
        groups == 1 && DeconvolutionPhase.subKernels(of: self).contains { $0.fitsWinograd }
    }
}
