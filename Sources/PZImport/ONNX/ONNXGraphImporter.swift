import PZGraph
import PZONNX

/// A value of the ONNX graph during import.
enum ONNXImportedValue {
    /// An activation: the IR tensor of that name (5-D NCDHW in the IR).
    case tensor(String)
    case constant(ONNXConstant)
    /// `Reshape(x, [N, G, -1])` of an activation: its channels in G groups (the
    /// first half of the GroupNorm decomposition PyTorch exports).
    case groupView(tensor: String, groups: Int)
    /// A group view after InstanceNormalization: the IR tensor holds the
    /// normalized activation, in NCDHW, until the Reshape back.
    case groupNormalized(tensor: String, groups: Int)
    /// A step of a group normalization written out in elementary ops (pzconv's
    /// export of keras_contrib's ÷ (σ + ε)), on the group view of `tensor`.
    case groupStatistic(tensor: String, groups: Int, stage: GroupStatisticStage)
}

/// The steps of `(v − mean(v)) / (√mean((v − mean(v))²) + ε)` on a group view v.
enum GroupStatisticStage: Equatable {
    case mean, centered, squared, variance, deviation
    case divisor(epsilon: Float)
}

/// Converts one ONNX graph, node by node, into IR nodes (see `ONNXImporter`).
struct ONNXGraphImporter {
    let model: ONNXModel
    let file: String
    let opset: Int64
    let externalData: (String, Int, Int?) throws -> [UInt8]
    /// 5 (NCDHW), or 4 (NCHW: D is 1 in the IR).
    var rank = 5
    var values: [String: ONNXImportedValue] = [:]
    var nodes: [Node] = []
    var shapes: [String: [Int]] = [:]
    private var nodeNames = UniqueNames(separator: "_")
    /// Graph inputs read through a channels-last → channels-first Transpose, by the Transpose's output.
    private var transposedInputs: [String: String] = [:]

    init(model: ONNXModel, file: String, opset: Int64, externalData: @escaping (String, Int, Int?) throws -> [UInt8]) {
        self.model = model
        self.file = file
        self.opset = opset
        self.externalData = externalData
    }

    func fail(_ node: ONNXNode, _ message: String) -> ImportError { ImportError("\(file): node \(node.label): \(message)") }

    mutating func importGraph(inputShape: InputShapeOverride) throws -> Graph {
        let graph = model.graph
        for initializer in graph.initializers {
            values[initializer.name] = .constant(try ONNXConstant(initializer, file: file, external: externalData))
        }
        let runtimeInputs = graph.inputs.filter { values[$0.name] == nil }
        guard !runtimeInputs.isEmpty else { throw ImportError("\(file): the graph has no inputs besides its initializers") }
        let overrides = try inputShape.resolved(for: runtimeInputs.map(\.name))
        for input in runtimeInputs { try addInput(input, override: overrides[input.name], consumers: graph.nodes) }
        for node in graph.nodes { try convert(node) }
        var outputs: [GraphOutput] = []
        for output in graph.outputs { outputs.append(try graphOutput(output)) }
        let result = Graph(name: graph.name.isEmpty ? "onnx" : graph.name, nodes: nodes, outputs: outputs)
        do {
            _ = try result.validate()
        } catch {
            throw ImportError("\(file): \(error)")
        }
        return result
    }

    // MARK: Inputs and outputs

    private mutating func addInput(_ input: ONNXValueInfo, override: [Int]?, consumers: [ONNXNode]) throws {
        guard input.elementType == ONNXDataType.float || input.elementType == 0 else {
            throw ImportError("\(file): input '\(input.name)' has element type \(ONNXDataType.name(input.elementType)); pzconv runs float32 inputs")
        }
        var shape: [Int]
        if let override {
            shape = override
        } else {
            guard let dims = input.shape else {
                throw ImportError("\(file): input '\(input.name)' has no shape; give one with --input-shape")
            }
            shape = try dims.enumerated().map { index, dim in
                switch dim {
                case .value(let value) where value > 0 && value <= Int64(Graph.maximumElementCount): return Int(value)
                case .symbol where index == 0, .unknown where index == 0: return 1
                default:
                    throw ImportError("\(file): input '\(input.name)' has dynamic or invalid dimension \(index) (\(dim)); "
                                      + "give its shape with --input-shape")
                }
            }
        }
        guard let count = shape.checkedElementCount, count <= Graph.maximumElementCount, shape.allSatisfy({ $0 > 0 }) else {
            throw ImportError("\(file): input '\(input.name)' has shape \(shape), larger than pzconv admits (2^33 values)")
        }
        guard shape.count == 4 || shape.count == 5 else {
            throw ImportError("\(file): input '\(input.name)' has rank \(shape.count); pzconv imports 4-D (NCHW) and 5-D (NCDHW) inputs")
        }
        rank = shape.count
        var layout: DataLayout = rank == 5 ? .ncdhw : .nchw
        let readers = consumers.filter { $0.inputs.contains(input.name) }
        let channelsLast = rank == 5 ? [0, 4, 1, 2, 3] : [0, 3, 1, 2]
        if readers.count == 1, readers[0].opType == "Transpose", readers[0].inputs == [input.name],
           case .ints(let perm)? = readers[0].attribute("perm"), perm.map({ Int($0) }) == channelsLast {
            layout = rank == 5 ? .ndhwc : .nhwc
            transposedInputs[readers[0].outputs[0]] = input.name
        }
        guard let canonical = layout.canonicalShape(fromSource: shape) else {
            throw ImportError("\(file): input '\(input.name)' shape \(shape) does not fit layout \(layout)")
        }
        let node = Node(name: claimNodeName(input.name), op: .input(InputParameters(shape: canonical, sourceLayout: layout)),
                        inputs: [], outputs: [input.name])
        nodes.append(node)
        shapes[input.name] = canonical
        values[input.name] = .tensor(input.name)
    }

    private mutating func graphOutput(_ output: ONNXValueInfo) throws -> GraphOutput {
        guard case .tensor(let tensor)? = values[output.name] else {
            throw ImportError("\(file): graph output '\(output.name)' is not an activation pzconv computes (a constant, or a "
                              + "value no node produced)")
        }
        if flatTensors.contains(tensor) { return GraphOutput(tensor: tensor, sourceLayout: DataLayout("NC")!) }
        return GraphOutput(tensor: tensor, sourceLayout: channelsLastOutputs[output.name] ?? (rank == 5 ? .ncdhw : .nchw))
    }

    // MARK: Nodes

    /// Activations that are [N, C] in the ONNX graph (after Flatten or Gemm), [N, C, 1, 1, 1] in the IR.
    var flatTensors: Set<String> = []

    /// Outputs that a channels-first → channels-last Transpose made, with their layout.
    var channelsLastOutputs: [String: DataLayout] = [:]

    private mutating func convert(_ node: ONNXNode) throws {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw fail(node, "op domain '\(node.domain)' is not the default ONNX domain")
        }
        guard !node.outputs.isEmpty else { throw fail(node, "has no outputs") }
        if let input = transposedInputs[node.outputs[0]], node.opType == "Transpose" {
            values[node.outputs[0]] = .tensor(input)
            return
        }
        guard !node.inputs.filter({ !$0.isEmpty }).isEmpty || ["Constant", "ConstantOfShape"].contains(node.opType) else {
            throw fail(node, "has no inputs")
        }
        let arguments = try node.inputs.map { name -> ONNXImportedValue? in
            if name.isEmpty { return nil }
            guard let value = values[name] else { throw fail(node, "reads '\(name)', which no earlier node, input or initializer makes") }
            return value
        }
        if node.opType == "Constant" {
            values[node.outputs[0]] = .constant(try constantNodeValue(node))
            return
        }
        if node.opType == "Shape", case .tensor(let tensor)? = arguments.first ?? nil {
            values[node.outputs[0]] = .constant(try shapeOf(tensor, node))
            return
        }
        let constants = arguments.map { argument -> ONNXConstant? in
            if case .constant(let value)? = argument { value } else { nil }
        }
        let allConstant = zip(arguments, constants).allSatisfy { $0.0 == nil || $0.1 != nil }
        if allConstant, arguments.contains(where: { $0 != nil }) || node.opType == "ConstantOfShape",
           ONNXConstantFolding.foldable.contains(node.opType) {
            values[node.outputs[0]] = .constant(try ONNXConstantFolding.fold(node, constants, opset: opset, file: file))
            return
        }
        try convertOperation(node, arguments)
    }

    private func constantNodeValue(_ node: ONNXNode) throws -> ONNXConstant {
        switch (node.attribute("value"), node.attribute("value_float"), node.attribute("value_floats"),
                node.attribute("value_int"), node.attribute("value_ints")) {
        case (.tensor(let tensor)?, _, _, _, _): return try ONNXConstant(tensor, file: file, external: externalData)
        case (_, .float(let value)?, _, _, _): return ONNXConstant(shape: [], values: [Double(value)], isInteger: false)
        case (_, _, .floats(let list)?, _, _): return ONNXConstant(shape: [list.count], values: list.map(Double.init), isInteger: false)
        case (_, _, _, .int(let value)?, _): return ONNXConstant(shape: [], values: [Double(value)], isInteger: true)
        case (_, _, _, _, .ints(let list)?): return ONNXConstant(shape: [list.count], values: list.map(Double.init), isInteger: true)
        default: throw fail(node, "a Constant without a tensor, float(s) or int(s) value")
        }
    }

    /// `Shape` of an activation, in the ONNX graph's rank (with opset 15's start and end).
    private func shapeOf(_ tensor: String, _ node: ONNXNode) throws -> ONNXConstant {
        let shape = flatTensors.contains(tensor) ? Array(shapes[tensor]!.prefix(2)) : onnxShape(shapes[tensor]!)
        let attributes = ONNXAttributes(node, file: file)
        func clamp(_ value: Int64) -> Int { min(max(value < 0 ? Int(value) + shape.count : Int(value), 0), shape.count) }
        let start = clamp(try attributes.int("start", default: 0)), end = clamp(try attributes.int("end", default: Int64(shape.count)))
        let kept = start < end ? Array(shape[start..<end]) : []
        return ONNXConstant(shape: [kept.count], values: kept.map(Double.init), isInteger: true)
    }

    // MARK: Helpers for conversions

    /// An IR (5-D) shape in the ONNX graph's rank.
    func onnxShape(_ canonical: [Int]) -> [Int] { rank == 5 ? canonical : [canonical[0], canonical[1]] + canonical[3...] }

    /// An ONNX axis (of this graph's rank) as an IR axis.
    func irAxis(_ axis: Int) -> Int { rank == 4 && axis >= 2 ? axis + 1 : axis }

    /// A spatial list of the ONNX rank as (D, H, W); `fill` is D's value for a 2-D graph.
    func irSpatial(_ values: [Int], fill: Int) -> [Int] { rank == 4 ? [fill] + values : values }

    mutating func claimNodeName(_ base: String) -> String { nodeNames.claim(base.isEmpty ? "node" : base) }

    /// Appends an IR node for `onnxNode` writing `output` (shapes inferred and checked now).
    mutating func add(_ op: Op, _ onnxNode: ONNXNode, inputs: [String], output: String, weights: [WeightRole: Tensor] = [:],
                      name: String? = nil) throws {
        let node = Node(name: claimNodeName(name ?? (onnxNode.name.isEmpty ? output : onnxNode.name)), op: op, inputs: inputs,
                        outputs: [output], weights: weights, sourceLayers: [onnxNode.name.isEmpty ? output : onnxNode.name])
        do {
            let outputShapes = try node.inferOutputShapes(inputShapes: inputs.map { shapes[$0]! })
            shapes[output] = outputShapes[0]
        } catch {
            throw fail(onnxNode, "\(error)")
        }
        nodes.append(node)
        values[output] = .tensor(output)
        // Point-wise ops keep a flat [N, C] activation flat.
        if !inputs.isEmpty, inputs.allSatisfy(flatTensors.contains), op.keepsLayout { flatTensors.insert(output) }
    }

    /// The activation an argument must be.
    func tensor(_ argument: ONNXImportedValue?, _ node: ONNXNode, index: Int = 0) throws -> String {
        guard case .tensor(let name)? = argument else { throw fail(node, "input \(index) must be an activation, not a constant") }
        return name
    }

    func constant(_ argument: ONNXImportedValue?, _ node: ONNXNode, index: Int) throws -> ONNXConstant {
        guard case .constant(let value)? = argument else {
            throw fail(node, "input \(index) ('\(index < node.inputs.count ? node.inputs[index] : "")') must be a constant (an initializer)")
        }
        return value
    }
}
