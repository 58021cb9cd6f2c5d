import PZGraph

/// Assigns tensors to buffers: walking the nodes in execution order (every Input
/// first: the executor writes them all before the first step), each output takes the
/// smallest free buffer that holds it (growing the largest free one when none
/// does, or opening a new one), an in-place node writes over its input, and a
/// tensor's buffer is freed after its last reader. Graph outputs stay to the end.
enum BufferAssignment {
    static func assign(_ graph: Graph, shapes: [String: [Int]], steps: [String: PlannedStep],
                       lanes: Int) -> (buffers: [Int], placements: [String: Int]) {
        func floats(_ tensor: String) -> Int { BlockedShape(shapes[tensor]!, lanes: lanes).floatCount }
        let order = graph.executionOrder
        var lastUse: [String: Int] = [:]
        for (index, node) in order.enumerated() {
            for input in node.inputs { lastUse[input] = index }
        }
        let outputs = Set(graph.outputNames)
        var buffers: [Int] = []
        var placements: [String: Int] = [:]
        var free = Set<Int>()
        for (index, node) in order.enumerated() {
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
