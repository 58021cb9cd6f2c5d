import PZGraph
import PZRuntime

/// Chooses the kernel for each node (and the chunks of convolutions): the fast
/// blocked kernels where they apply (Winograd for Kd×3×3 convolutions unless
/// turned off, direct convolution for the others), the reference kernel for the rest (grouped
/// convolutions whose groups are not whole blocks, overlapping deconvolutions,
/// batch crops, softmax over another axis than channels).
enum KernelSelection {
    /// Input channels from which a Kd×3×3 convolution runs on Winograd F(2×2, 3×3):
    /// its transforms cost per channel what the products save per channel pair,
    /// so with few input channels (the first layer of a U-Net) direct is faster.
    static let winogradMinimumInputChannels = 8

    static func step(for node: Node, shapes: [String: [Int]], lanes: Int, winograd: Bool) -> PlannedStep {
        func blocks(_ tensor: String) -> Int { (shapes[tensor]![1] + lanes - 1) / lanes }
        switch node.op {
        case .convolution(let parameters):
            let inputChannels = shapes[node.inputs[0]]![1]
            guard parameters.fitsBlockedConvolution(inputChannels: inputChannels, lanes: lanes) else {
                return PlannedStep(node: node.name, kernel: .reference)
            }
            let outputBlocks = blocks(node.outputs[0])
            let useWinograd = winograd && parameters.fitsWinograd && inputChannels >= winogradMinimumInputChannels
            return PlannedStep(node: node.name, kernel: useWinograd ? .winograd : .convolution,
                               chunks: WeightPacking.chunks(outputBlocks: outputBlocks,
                                                            blocksPerGroup: outputBlocks / parameters.groups))
        case .deconvolution(let parameters):
            guard parameters.fitsSubPixelDeconvolution else {
                return PlannedStep(node: node.name, kernel: .reference)
            }
            let outputBlocks = blocks(node.outputs[0])
            return PlannedStep(node: node.name, kernel: .deconvolution,
                               chunks: WeightPacking.chunks(outputBlocks: outputBlocks, blocksPerGroup: outputBlocks))
        case .pooling: return PlannedStep(node: node.name, kernel: .pooling)
        case .batchNorm, .scale, .activation: return PlannedStep(node: node.name, kernel: .channelwise)
        case .eltwise: return PlannedStep(node: node.name, kernel: .eltwise)
        case .concat: return PlannedStep(node: node.name, kernel: .concat)
        case .crop(let parameters):
            return PlannedStep(node: node.name, kernel: parameters.offsets[0] == 0 ? .crop : .reference)
        case .pad: return PlannedStep(node: node.name, kernel: .pad)
        case .upsample: return PlannedStep(node: node.name, kernel: .upsample)
        case .softmax(let parameters): return PlannedStep(node: node.name, kernel: parameters.axis == 1 ? .softmax : .reference)
        case .mergeCrop: return PlannedStep(node: node.name, kernel: .mergeCrop)
        case .dropout, .split: return PlannedStep(node: node.name, kernel: .copy)
        case .input: return PlannedStep(node: node.name, kernel: .copy)
        }
    }

    /// Kernels that may write their output over their first input.
    static let inPlaceCapable: Set<KernelKind> = [.channelwise, .eltwise, .softmax, .copy]
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
