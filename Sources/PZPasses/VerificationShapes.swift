import PZGraph

extension Graph {
    /// The same graph with other input shapes (5-D NCDHW, by input tensor name);
    /// throws when some node's shape rule fails at those shapes.
    public func withInputShapes(_ shapes: [String: [Int]]) throws -> Graph {
        var copy = self
        for index in copy.nodes.indices {
            guard case .input(let parameters) = copy.nodes[index].op, let shape = shapes[copy.nodes[index].outputs[0]] else { continue }
            copy.nodes[index].op = .input(InputParameters(shape: shape, sourceLayout: parameters.sourceLayout))
        }
        try copy.validate()
        return copy
    }

    /// A copy whose inputs are spatially smaller, so that one reference run costs
    /// at most `flopBudget` FLOPs where the model allows. One axis at a time (the
    /// largest first), the inputs go to the largest valid extent at most half the
    /// current one (unpadded convolutions and pooling admit only some sizes), as
    /// long as every convolution, deconvolution and pooling still reads, on every
    /// axis, at least as many positions as its kernel spans (or as it read at full
    /// size, if fewer): then every kernel tap meets real data somewhere, not only
    /// padding. The fusions do not depend on shapes, so agreement at the small size
    /// checks the same rewrites.
    public func reducedForVerification(flopBudget: Int = 1_000_000_000) throws -> Graph {
        let fullShapes = try inferShapes()
        var current = self
        func flops(_ graph: Graph) throws -> Int { graph.statistics(shapes: try graph.inferShapes()).reduce(0) { $0 + $1.flops } }
        while try flops(current) > flopBudget {
            let inputs = current.inputNodes.compactMap { node -> (String, [Int])? in
                guard case .input(let parameters) = node.op else { return nil }
                return (node.outputs[0], parameters.shape)
            }
            let axes = (2..<5).sorted { lhs, rhs in inputs.map { $0.1[lhs] }.max()! > inputs.map { $0.1[rhs] }.max()! }
            guard let next = axes.lazy.compactMap({ current.shrinking(axis: $0, of: inputs, fullShapes: fullShapes) }).first
            else { break }
            current = next
        }
        return current
    }

    /// The graph with `axis` of every input at the largest valid extent at most half
    /// the largest input's, or failing that the smallest valid one above half
    /// (other inputs in proportion); nil when there is none.
    private func shrinking(axis: Int, of inputs: [(String, [Int])], fullShapes: [String: [Int]]) -> Graph? {
        let largest = inputs.map { $0.1[axis] }.max()!
        for extent in Array(stride(from: largest / 2, through: 1, by: -1)) + Array((largest / 2 + 1)..<max(largest, largest / 2 + 1)) {
            var shapes: [String: [Int]] = [:]
            for (name, shape) in inputs {
                var smaller = shape
                smaller[axis] = max(1, shape[axis] * extent / largest)
                shapes[name] = smaller
            }
            guard let candidate = try? withInputShapes(shapes), let candidateShapes = try? candidate.inferShapes() else { continue }
            // Smaller extents only shrink what the kernels read: stop at the first
            // valid size (from half down, then from half up) whose kernels do not
            // all cover their taps.
            return candidate.kernelsCoverTheirTaps(shapes: candidateShapes, fullShapes: fullShapes) ? candidate : nil
        }
        return nil
    }

    /// Whether every kernel reads at least min(kernel extent, full-size extent)
    /// positions on each spatial axis.
    private func kernelsCoverTheirTaps(shapes: [String: [Int]], fullShapes: [String: [Int]]) -> Bool {
        nodes.allSatisfy { node in
            let extent: [Int]
            switch node.op {
            case .convolution(let parameters), .deconvolution(let parameters): extent = parameters.kernelExtent
            case .pooling(let parameters): extent = parameters.kernel
            default: return true
            }
            guard let input = shapes[node.inputs[0]], let full = fullShapes[node.inputs[0]] else { return false }
            return (0..<3).allSatisfy { input[2 + $0] >= min(extent[$0], full[2 + $0]) }
        }
    }
}

extension PassPipeline {
    /// Applies the passes without verification (they were verified elsewhere, e.g.
    /// at a smaller input size); returns the graph and each pass's rewrites.
    public func applyUnverified(_ graph: Graph, passes names: [String]) throws -> (Graph, [[String]]) {
        var current = graph
        var rewrites: [[String]] = []
        for pass in passes where names.contains(pass.name) {
            let result = try pass.apply(to: current)
            current = result.graph
            rewrites.append(result.rewrites)
        }
        return (current, rewrites)
    }
}
