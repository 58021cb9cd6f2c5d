import PZGraph

/// Chooses the kernel for each node (and the chunks of convolutions): Winograd
/// for Kd×3×3 convolutions (and stride-1 deconvolutions whose flipped kernel is
/// one) unless turned off or the layer has too few input channels, the
/// depthwise kernel for depthwise convolutions, the direct kernel for the other
/// convolutions, output phases for the other deconvolutions, and a blocked
/// kernel for every other op. Nothing falls back to the reference kernel unless
/// `referenceNodes` names it.
public enum KernelSelection {
    static func step(for node: Node, shapes: [String: [Int]], lanes: Int, winograd: Bool, tuning: KernelTuning,
                     reference: Bool) -> PlannedStep {
        if reference { return PlannedStep(node: node.name, kernel: .reference) }
        func blocks(_ tensor: String) -> Int { (shapes[tensor]![1] + lanes - 1) / lanes }
        switch node.op {
        case .convolution(let parameters), .deconvolution(let parameters):
            let isDeconvolution = if case .deconvolution = node.op { true } else { false }
            let inputChannels = shapes[node.inputs[0]]![1]
            let layout = parameters.groupLayout(inputChannels: inputChannels, lanes: lanes, deconvolution: isDeconvolution)
            if layout == .depthwise { return PlannedStep(node: node.name, kernel: .depthwise) }
            let outputBlocks = blocks(node.outputs[0])
            let fits = isDeconvolution ? parameters.deconvolutionFitsWinograd : parameters.fitsWinograd
            let useWinograd = winograd && fits && layout == .single && inputChannels >= tuning.winogradMinimumInputChannels
            let kernel: KernelKind = useWinograd ? .winograd : (isDeconvolution ? .deconvolution : .convolution)
            let blocksPerGroup = layout == .wholeBlocks ? outputBlocks / parameters.groups : outputBlocks
            return PlannedStep(node: node.name, kernel: kernel,
                               chunks: WeightPacking.chunks(outputBlocks: outputBlocks, blocksPerGroup: blocksPerGroup,
                                                            maximumBlocks: tuning.maximumChunkBlocks))
        case .pooling: return PlannedStep(node: node.name, kernel: .pooling)
        case .batchNorm, .scale, .activation: return PlannedStep(node: node.name, kernel: .channelwise)
        case .groupNorm: return PlannedStep(node: node.name, kernel: .groupNorm)
        case .eltwise: return PlannedStep(node: node.name, kernel: .eltwise)
        case .channelScale: return PlannedStep(node: node.name, kernel: .channelScale)
        case .concat: return PlannedStep(node: node.name, kernel: .concat)
        case .crop: return PlannedStep(node: node.name, kernel: .crop)
        case .pad: return PlannedStep(node: node.name, kernel: .pad)
        case .upsample: return PlannedStep(node: node.name, kernel: .upsample)
        case .softmax: return PlannedStep(node: node.name, kernel: .softmax)
        case .mergeCrop: return PlannedStep(node: node.name, kernel: .mergeCrop)
        case .dropout, .split, .input: return PlannedStep(node: node.name, kernel: .copy)
        }
    }

    /// Kernels that may write their output over their first input.
    public static let inPlaceCapable: Set<KernelKind> = [.channelwise, .eltwise, .softmax, .copy]
}
