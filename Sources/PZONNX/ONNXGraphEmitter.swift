import PZGraph

/// Builds the ONNX nodes, constants and value shapes of one IR graph (see
/// `ONNXExporter`). IR tensors keep their names; the values the exporter adds
/// (a Conv's result before its fused activation, a Transpose at the edge) are
/// named `<node>/<step>`, made unique.
///
/// Shapes: IR shapes are 5-D NCDHW; the ONNX graph has rank 5, or rank 4 (NCHW)
/// when every input's source layout lacks D, in which case D (always 1) is left
/// out of every shape and spatial attribute.
struct ONNXGraphEmitter {
    let graph: Graph
    let shapes: [String: [Int]]
    let layout: ONNXExportOptions.Layout
    let opset: Int
    /// 5, or 4 for a 2-D model.
    let rank: Int

    var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    private(set) var inputs: [ONNXValueInfo] = []
    private(set) var outputs: [ONNXValueInfo] = []
    private var shapesOfValues: [(name: String, shape: [Int])] = []
    private var usedNames = UniqueNames(separator: "_")
    /// ONNX value name of each IR tensor, where it differs (a Transpose at the edge).
    private var valueNames: [String: String] = [:]
    /// The IR node being emitted, for helper names and doc strings.
    var current: Node?

    init(graph: Graph, shapes: [String: [Int]], layout: ONNXExportOptions.Layout, opset: Int) {
        self.graph = graph
        self.shapes = shapes
        self.layout = layout
        self.opset = opset
        let inputLayouts = graph.inputNodes.compactMap { node -> DataLayout? in
            if case .input(let parameters) = node.op { parameters.sourceLayout } else { nil }
        }
        let twoDimensional = !inputLayouts.isEmpty && inputLayouts.allSatisfy { !$0.axes.contains("D") }
            && shapes.values.allSatisfy { $0.count != 5 || $0[2] == 1 }
        rank = twoDimensional ? 4 : 5
        usedNames = UniqueNames(separator: "_", reserving: graph.nodes.map(\.name) + graph.nodes.flatMap(\.outputs))
    }

    /// Every value but the graph's inputs and outputs, with its shape.
    var valueInfo: [ONNXValueInfo] {
        let edges = Set(inputs.map(\.name) + outputs.map(\.name))
        return shapesOfValues.filter { !edges.contains($0.name) }.map { ONNXValueInfo(name: $0.name, shape: $0.shape) }
    }

    // MARK: Shapes and names

    /// An IR (NCDHW) shape in the ONNX graph's rank.
    func onnxShape(_ canonical: [Int]) -> [Int] { rank == 5 ? canonical : [canonical[0], canonical[1]] + canonical[3...] }

    /// A (D, H, W) list in the ONNX graph's rank (H, W for a 2-D model).
    func spatial(_ values: [Int]) -> [Int] { rank == 5 ? values : Array(values[1...]) }

    /// An IR axis (0–4) as an ONNX axis.
    func onnxAxis(_ axis: Int, of node: Node) throws -> Int {
        guard rank == 4 else { return axis }
        guard axis != 2 else { throw ONNXFormatError("node \(node.label): axis D does not exist in the 2-D ONNX graph") }
        return axis > 2 ? axis - 1 : axis
    }

    func irShape(_ tensor: String) -> [Int] { shapes[tensor]! }

    func value(_ tensor: String) -> String { valueNames[tensor] ?? tensor }

    mutating func claim(_ base: String) -> String { usedNames.claim(base) }

    // MARK: Emitting

    /// Adds a float32 initializer of `shape` (given in the ONNX rank) and returns its name.
    mutating func constant(_ role: String, shape: [Int], _ values: [Float]) -> String {
        let name = claim("\(current?.name ?? graph.name).\(role)")
        initializers.append(ONNXTensor(name: name, shape: shape, floats: values))
        return name
    }

    mutating func integers(_ role: String, _ values: [Int]) -> String {
        let name = claim("\(current?.name ?? graph.name).\(role)")
        initializers.append(ONNXTensor(name: name, shape: [values.count], int64s: values.map(Int64.init)))
        return name
    }

    /// A per-channel constant broadcast along the spatial axes: `[1, C, 1, 1(, 1)]`.
    mutating func channelConstant(_ role: String, _ values: [Float]) -> String {
        constant(role, shape: [1, values.count] + [Int](repeating: 1, count: rank - 2), values)
    }

    /// Emits one ONNX node for the current IR node; its output is `output`, or a
    /// new helper value `<node>/<step>`. `shape` is the output's ONNX shape.
    @discardableResult
    mutating func emit(_ opType: String, _ inputs: [String], shape: [Int], attributes: [ONNXAttribute] = [],
                       step: String? = nil, output: String? = nil) -> String {
        let node = current!
        let isMain = step == nil
        let outputName = output ?? claim("\(node.name)/\(step ?? opType)")
        let nodeName = isMain ? node.name : claim("\(node.name)/\(step!)")
        var documentation = "pzconv node \(node.label)"
        if node.sourceLayers != [node.name] { documentation += "; source layers: " + node.sourceLayers.joined(separator: ", ") }
        if !node.fusions.isEmpty { documentation += "; fusions: " + node.fusions.joined(separator: ", ") }
        nodes.append(ONNXNode(name: nodeName, opType: opType, inputs: inputs, outputs: [outputName],
                              attributes: attributes, docString: documentation))
        shapesOfValues.append((outputName, shape))
        return outputName
    }

    /// Emits the graph: inputs (with a Transpose from a channels-last source
    /// layout), every node, outputs (with the Transpose back).
    mutating func emitGraph() throws {
        for node in graph.nodes {
            current = node
            if case .input(let parameters) = node.op {
                try emitInput(node, parameters)
            } else {
                try emitNode(node)
            }
        }
        for output in graph.outputs { try emitOutput(output) }
    }

    private mutating func emitInput(_ node: Node, _ parameters: InputParameters) throws {
        let tensor = node.outputs[0]
        let canonical = onnxShape(irShape(tensor))
        guard layout == .source, let permutation = permutation(from: parameters.sourceLayout) else {
            inputs.append(ONNXValueInfo(name: tensor, shape: canonical))
            return
        }
        let sourceShape = permutation.indices.map { canonical[permutation.firstIndex(of: $0)!] }
        inputs.append(ONNXValueInfo(name: tensor, shape: sourceShape))
        let channelsFirst = emit("Transpose", [tensor], shape: canonical, attributes: [ONNXAttribute("perm", .ints(permutation.map(Int64.init)))],
                                 step: "to_channels_first")
        valueNames[tensor] = channelsFirst
    }

    private mutating func emitOutput(_ output: GraphOutput) throws {
        let canonical = onnxShape(irShape(output.tensor))
        let isInput = graph.inputNodes.contains { $0.outputs.contains(output.tensor) }
        if isInput, layout == .source, permutation(from: output.sourceLayout) != nil || output.sourceLayout.axes == "NC" {
            throw ONNXFormatError("output '\(output.tensor)' is the graph input itself in a channels-last layout; ONNX cannot "
                                  + "name both ends of its Transposes '\(output.tensor)' (export with --layout ncdhw)")
        }
        if output.sourceLayout.axes == "NC", layout == .source {
            // A flat [N, C] result (a classifier after global pooling): Flatten at the edge.
            emitEdge(output, "Flatten", attributes: [ONNXAttribute("axis", .int(1))], step: "flatten",
                     shape: Array(canonical.prefix(2)))
            return
        }
        guard layout == .source, let permutation = permutation(from: output.sourceLayout) else {
            outputs.append(ONNXValueInfo(name: value(output.tensor), shape: canonical))
            return
        }
        let inverse = permutation.indices.map { permutation.firstIndex(of: $0)! }
        emitEdge(output, "Transpose", attributes: [ONNXAttribute("perm", .ints(inverse.map(Int64.init)))], step: "to_source_layout",
                 shape: inverse.map { canonical[$0] })
    }

    /// One node between the network and a graph output, so that the output keeps
    /// its source name: the producer's value is renamed `<tensor>/channels_first`.
    private mutating func emitEdge(_ output: GraphOutput, _ opType: String, attributes: [ONNXAttribute], step: String,
                                   shape: [Int]) {
        let channelsFirst = claim("\(output.tensor)/channels_first")
        rename(value: output.tensor, to: channelsFirst)
        current = graph.nodes.first { $0.outputs.contains(output.tensor) }
        emit(opType, [channelsFirst], shape: shape, attributes: attributes, step: step, output: output.tensor)
        outputs.append(ONNXValueInfo(name: output.tensor, shape: shape))
    }


    /// Makes `result`, the last value emitted for the current node, the node's IR
    /// output `output`; its node takes the IR node's name.
    mutating func finish(_ result: String, as output: String) {
        let index = nodes.lastIndex { $0.outputs.contains(result) }!
        usedNames.release(nodes[index].name)
        nodes[index].name = current!.name
        rename(value: result, to: output)
    }

    /// Renames an emitted value everywhere it appears.
    private mutating func rename(value old: String, to new: String) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
            nodes[index].outputs = nodes[index].outputs.map { $0 == old ? new : $0 }
        }
        for index in shapesOfValues.indices where shapesOfValues[index].name == old { shapesOfValues[index].name = new }
    }

    /// The Transpose permutation from a source layout to channels-first in this
    /// graph's rank, or nil when the layout already is channels-first.
    private func permutation(from sourceLayout: DataLayout) -> [Int]? {
        let target = Array(rank == 5 ? "NCDHW" : "NCHW")
        let source = Array(sourceLayout.axes)
        guard source.count == rank, source != target else { return nil }
        return target.map { source.firstIndex(of: $0)! }
    }
}
