extension Graph {
    /// Checks every IR invariant (see `Graph`) and returns the inferred shape of
    /// every tensor. Throws a `GraphError` naming the first offending node or tensor.
    @discardableResult
    public func validate() throws -> [String: [Int]] {
        try checkNames()
        try checkTopologicalOrder()
        try checkArityAndWeights()
        guard !inputNodes.isEmpty else { throw GraphError.invalidGraph("graph '\(name)' has no Input node") }
        guard !outputs.isEmpty else { throw GraphError.invalidGraph("graph '\(name)' has no outputs") }
        let producers = producerIndex()
        var seenOutputs = Set<String>()
        for output in outputs {
            guard producers[output.tensor] != nil else {
                throw GraphError.invalidGraph("graph output '\(output.tensor)' is not produced by any node")
            }
            guard seenOutputs.insert(output.tensor).inserted else {
                throw GraphError.invalidGraph("graph output '\(output.tensor)' is listed twice")
            }
        }
        return try inferShapes()
    }

    /// Returns a copy whose nodes are reordered topologically (stable: ties keep
    /// their current order). Throws when the graph has a cycle or reads a tensor
    /// nobody produces.
    public func topologicallySorted() throws -> Graph {
        try checkNames()
        let producers = producerIndex()
        var dependents = [[Int]](repeating: [], count: nodes.count)
        var pendingInputs = [Int](repeating: 0, count: nodes.count)
        for (index, node) in nodes.enumerated() {
            for input in Set(node.inputs) {
                guard let producer = producers[input] else {
                    throw GraphError.invalidGraph("tensor '\(input)' read by node \(node.label) is never produced")
                }
                dependents[producer].append(index)
                pendingInputs[index] += 1
            }
        }
        var ready = (0..<nodes.count).filter { pendingInputs[$0] == 0 }
        var order: [Int] = []
        while !ready.isEmpty {
            ready.sort()
            let next = ready.removeFirst()
            order.append(next)
            for dependent in dependents[next] {
                pendingInputs[dependent] -= 1
                if pendingInputs[dependent] == 0 { ready.append(dependent) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = (0..<nodes.count).first { pendingInputs[$0] > 0 }!
            throw GraphError.invalidGraph("the graph has a cycle through node \(nodes[stuck].label)")
        }
        var sorted = self
        sorted.nodes = order.map { nodes[$0] }
        return sorted
    }

    private func checkNames() throws {
        var nodeNames = Set<String>()
        var tensorNames = Set<String>()
        for node in nodes {
            guard !node.name.isEmpty else { throw GraphError.invalidGraph("a node of op \(node.op.typeName) has an empty name") }
            guard nodeNames.insert(node.name).inserted else {
                throw GraphError.invalidGraph("two nodes are named '\(node.name)'")
            }
            for output in node.outputs {
                guard !output.isEmpty else { throw GraphError.node(node, "has an empty output name") }
                guard tensorNames.insert(output).inserted else {
                    throw GraphError.invalidGraph("tensor '\(output)' is produced twice (again by node \(node.label))")
                }
            }
        }
    }

    private func checkTopologicalOrder() throws {
        var produced = Set<String>()
        let producers = producerIndex()
        for node in nodes {
            for input in node.inputs where !produced.contains(input) {
                if producers[input] == nil {
                    throw GraphError.invalidGraph("tensor '\(input)' read by node \(node.label) is never produced")
                }
                // Produced, but later: either a cycle or merely an unsorted list.
                _ = try topologicallySorted()
                throw GraphError.invalidGraph(
                    "node \(node.label) reads tensor '\(input)' before it is produced (nodes are not in topological order)")
            }
            produced.formUnion(node.outputs)
        }
    }

    private func checkArityAndWeights() throws {
        for node in nodes {
            let arity = OpSignature(node.op)
            guard arity.inputs.contains(node.inputs.count) else {
                throw GraphError.node(node, "takes \(arity.inputs.describedAsCount) inputs, has \(node.inputs.count)")
            }
            guard arity.outputs.contains(node.outputs.count) else {
                throw GraphError.node(node, "produces \(arity.outputs.describedAsCount) outputs, has \(node.outputs.count)")
            }
            for role in node.weights.keys where !arity.allowedWeights.contains(role) {
                throw GraphError.node(node, "does not take a '\(role.rawValue)' weight")
            }
            for role in arity.requiredWeights where node.weights[role] == nil {
                throw GraphError.node(node, "is missing its '\(role.rawValue)' weight")
            }
            if case .scale = node.op, node.weights.isEmpty {
                throw GraphError.node(node, "needs a 'scale' or a 'bias' weight")
            }
            for (role, tensor) in node.weights where tensor.values.contains(where: { !$0.isFinite }) {
                throw GraphError.node(node, "weight '\(role.rawValue)' holds NaN or infinite values")
            }
        }
    }
}

/// How many inputs and outputs an op takes and which weights it may hold.
struct OpSignature {
    var inputs: ClosedRange<Int>
    var outputs: ClosedRange<Int> = 1...1
    var requiredWeights: [WeightRole] = []
    var allowedWeights: Set<WeightRole> = []

    init(_ op: Op) {
        switch op {
        case .input:
            inputs = 0...0
        case .convolution, .deconvolution:
            inputs = 1...2
            requiredWeights = [.weight]
            allowedWeights = [.weight, .bias, .baseScale, .slope]
        case .batchNorm:
            inputs = 1...1
            requiredWeights = [.mean, .variance]
            allowedWeights = [.mean, .variance, .scale, .bias]
        case .scale:
            inputs = 1...1
            allowedWeights = [.scale, .bias, .slope]
        case .groupNorm:
            inputs = 1...1
            allowedWeights = [.scale, .bias]
        case .activation(let activation):
            inputs = 1...1
            if activation == .prelu {
                requiredWeights = [.slope]
                allowedWeights = [.slope]
            }
        case .softmax, .pad, .pooling, .upsample, .dropout:
            inputs = 1...1
        case .eltwise:
            inputs = 2...Int.max
        case .concat:
            inputs = 1...Int.max
        case .crop:
            inputs = 1...2
        case .mergeCrop, .channelScale:
            inputs = 2...2
        case .split:
            inputs = 1...1
            outputs = 1...Int.max
        }
    }
}

extension ClosedRange where Bound == Int {
    var describedAsCount: String {
        if lowerBound == upperBound { return "\(lowerBound)" }
        if upperBound == Int.max { return "at least \(lowerBound)" }
        return "\(lowerBound) to \(upperBound)"
    }
}
