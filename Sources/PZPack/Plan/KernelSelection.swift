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
        case .eltwise: return PlannedStep(node: node.name, kernel: .eltwise)
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

/// Assigns tensors to buffers: walking the nodes in order, each output takes the
/// smallest free buffer that holds it (growing the largest free one when none
/// does, or opening a new one), an in-place node writes over its input, and a
/// tensor's buffer is freed after its last reader. Graph outputs stay to the end.
enum BufferAssignment {
    static func assign(_ graph: Graph, shapes: [String: [Int]], steps: [String: PlannedStep],
                       lanes: Int) -> (buffers: [Int], placements: [String: Int]) {
        func floats(_ tensor: String) -> Int { BlockedShape(shapes[tensor]!, lanes: lanes).floatCount }
        var lastUse: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs { lastUse[input] = index }
        }
        let outputs = Set(graph.outputNames)
        var buffers: [Int] = []
        var placements: [String: Int] = [:]
        var free = Set<Int>()
        for (index, node) in graph.nodes.enumerated() {
            let kernel = steps[node.name]?.kernel
            for (position, output) in node.outputs.enumerated() {
                let needed = floats(output)
                if node.inPlace, position == 0, let kernel, KernelSelection.inPlaceCapable.contains(kernel),
                   let input = node.inputs.first, lastUse[input] == index, !outputs.contains(input),
                   let buffer = placements[input], buffers[buffer] >= needed {
                    placements[output] = buffer
                    continue
                }
                let candidates = free.filter { buffers[$0] >= needed }
                if let best = candidates.min(by: { buffers[$0] < buffers[$1] }) {
                    free.remove(best)
                    placements[output] = best
                } else if let largest = free.max(by: { buffers[$0] < buffers[$1] }) {
                    free.remove(largest)
                    buffers[largest] = needed
                    placements[output] = largest
                } else {
                    buffers.append(needed)
                    placements[output] = buffers.count - 1
                }
            }
            // Release what this node read last (unless it now holds this node's output).
            let held = Set(node.outputs.map { placements[$0]! })
            for input in Set(node.inputs) where lastUse[input] == index && !outputs.contains(input) {
                let buffer = placements[input]!
                if !held.contains(buffer) { free.insert(buffer) }
            }
            // An output nobody reads is free at once (it is not a graph output).
            for output in node.outputs where lastUse[output] == nil && !outputs.contains(output) {
                free.insert(placements[output]!)
            }
        }
        return (buffers, placements)
    }
}
