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
    /// long as every kernel tap of every convolution, deconvolution and pooling that
    /// meets real data somewhere at full size (not only padding) still does. The fusions do not depend on shapes, so agreement at the small size
    /// checks the same rewrites.
    public func reducedForVerification(flopBudget: Int = 1_000_000_000) throws -> Graph {
        let fullShapes = try inferShapes()
        var current = self
        func flops(_ graph: Graph) throws -> Int { graph.statistics(shapes: try graph.inferShapes()).map(\.flops).saturatingSum }
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
    /// the largest input's (other inputs in proportion) when its kernels still meet
    /// their taps there; else at the smallest valid extent above half where they do;
    /// nil when there is none.
    private func shrinking(axis: Int, of inputs: [(String, [Int])], fullShapes: [String: [Int]]) -> Graph? {
        let largest = inputs.map { $0.1[axis] }.max()!
        func resized(_ extent: Int) -> (Graph, [String: [Int]])? {
            var shapes: [String: [Int]] = [:]
            for (name, shape) in inputs {
                var smaller = shape
                smaller[axis] = max(1, shape[axis] * extent / largest)
                shapes[name] = smaller
            }
            guard let candidate = try? withInputShapes(shapes), let candidateShapes = try? candidate.inferShapes() else { return nil }
            return (candidate, candidateShapes)
        }
        // Smaller extents only shrink what the kernels read: below the first valid
        // size from half down, no smaller one can cover what it does not.
        if let (candidate, shapes) = stride(from: largest / 2, through: 1, by: -1).lazy.compactMap(resized).first,
           candidate.kernelsCoverTheirTaps(shapes: shapes, fullShapes: fullShapes) {
            return candidate
        }
        for extent in (largest / 2 + 1)..<max(largest, largest / 2 + 1) {
            if let (candidate, shapes) = resized(extent), candidate.kernelsCoverTheirTaps(shapes: shapes, fullShapes: fullShapes) {
                return candidate
            }
        }
        return nil
    }

    /// Whether every kernel tap of every convolution, deconvolution and pooling
    /// that meets real input (not only padding) at full size still does at
    /// `shapes`, on every axis.
    private func kernelsCoverTheirTaps(shapes: [String: [Int]], fullShapes: [String: [Int]]) -> Bool {
        nodes.allSatisfy { node in
            guard let window = TapWindow(node.op) else { return true }
            guard let input = shapes[node.inputs[0]], let output = shapes[node.outputs[0]],
                  let fullInput = fullShapes[node.inputs[0]], let fullOutput = fullShapes[node.outputs[0]] else { return false }
            return (0..<3).allSatisfy { axis in
                window.tapsMeetingInput(axis: axis, input: input[2 + axis], output: output[2 + axis])
                    == window.tapsMeetingInput(axis: axis, input: fullInput[2 + axis], output: fullOutput[2 + axis])
            }
        }
    }
}

/// The window of a convolution, deconvolution or pooling along each axis, for
/// counting the kernel taps that meet real input.
private struct TapWindow {
    var kernel, stride, dilation, padBegin: [Int]
    /// Output border of the fused epilogue (not computed by the window).
    var outputPadBegin, outputPadEnd: [Int]
    var transposed: Bool

    init?(_ op: Op) {
        switch op {
        case .convolution(let p), .deconvolution(let p):
            (kernel, stride, dilation, padBegin) = (p.kernel, p.stride, p.dilation, p.padBegin)
            (outputPadBegin, outputPadEnd) = (p.epilogue.outputPadBegin, p.epilogue.outputPadEnd)
            if case .deconvolution = op { transposed = true } else { transposed = false }
        case .pooling(let p):
            (kernel, stride, dilation, padBegin) = (p.kernel, p.stride, [1, 1, 1], p.padBegin)
            (outputPadBegin, outputPadEnd, transposed) = ([0, 0, 0], [0, 0, 0], false)
        default:
            return nil
        }
    }

    /// How many taps along `axis` meet real input for some output position, with
    /// `input` and `output` positions (the output with its epilogue border). A
    /// convolution's output o reads input o·stride − padBegin + tap·dilation; a
    /// transposed convolution's input i writes output i·stride − padBegin + tap·dilation.
    func tapsMeetingInput(axis: Int, input: Int, output: Int) -> Int {
        let computed = output - outputPadBegin[axis] - outputPadEnd[axis]
        let (from, to) = transposed ? (input, computed) : (computed, input)
        return (0..<kernel[axis]).filter { tap in
            let offset = tap * dilation[axis] - padBegin[axis]
            let first = max(0, ceilDivide(-offset, stride[axis]))
            return first < min(from, ceilDivide(to - offset, stride[axis]))
        }.count
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
