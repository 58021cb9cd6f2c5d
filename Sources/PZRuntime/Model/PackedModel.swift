import PZGraph

/// A loaded `.pz` model: mapped in memory, every offset, size, checksum and plan
/// invariant checked, its steps built. Immutable; run it with `FastExecutor`.
public final class PackedModel: @unchecked Sendable {
    public let path: String
    /// The optimized graph (packed weights appear as zero tensors of their IR shape).
    public let graph: Graph
    public let plan: ExecutionPlan
    /// IR shape of every tensor.
    public let shapes: [String: [Int]]
    public let sourceModelSHA256: String
    let file: MappedFile
    let steps: [RuntimeStep]
    /// Arrays derived at load (per-channel multipliers), kept alive with the model.
    private let derived: [[Float]]

    public static func load(path: String) throws -> PackedModel { try PackedModel(path: path) }

    private init(path: String) throws {
        self.path = path
        let file = try MappedFile(path: path)
        self.file = file
        func fail(_ message: String) -> PackedModelError { PackedModelError(path, message) }
        let container = try SectionedFile(file.bytes, magic: PackedModelFile.magic, version: PackedModelFile.formatVersion,
                                          describe: ".pz") { fail($0) }
        let document: PackedModelDocument = try PZIRFile.decodeJSON(Array(file.bytes[container.jsonRange]), path: path) { fail($0) }
        guard document.format == "pz", document.version == Int(PackedModelFile.formatVersion) else {
            throw fail("model description says format '\(document.format)' version \(document.version)")
        }
        sourceModelSHA256 = document.sourceModelSHA256
        plan = document.plan
        guard plan.lanes == 8 || plan.lanes == 16 else { throw fail("SIMD width \(plan.lanes) is not 8 or 16") }

        // The graph, with its weights checked and located.
        var nodes: [Node] = []
        var locations: [String: [WeightRole: (entry: WeightEntry, packing: Packing)]] = [:]
        for nodeDocument in document.graph.nodes {
            var weights: [WeightRole: Tensor] = [:]
            for (roleName, entry) in nodeDocument.weights {
                let what = "weight '\(roleName)' of node '\(nodeDocument.name)'"
                guard let role = WeightRole(rawValue: roleName), let packing = Packing(rawValue: entry.packing ?? "") else {
                    throw fail("\(what) has an unknown role or packing")
                }
                guard entry.shape.allSatisfy({ $0 >= 0 }), let count = entry.shape.checkedElementCount,
                      count <= Graph.maximumElementCount else {
                    throw fail("\(what) has an invalid shape \(entry.shape)")
                }
                let location = SectionedFile.BlobLocation(offset: entry.offset, bytes: entry.bytes, crc32: entry.crc32)
                let expected = packing == .plain ? count * 4 : entry.bytes  // packed sizes are checked with the plan
                guard entry.bytes >= 0, entry.bytes % 4 == 0 else { throw fail("\(what) has a bad byte length") }
                if let problem = container.problem(with: location, expectedBytes: expected, in: file.bytes) {
                    throw fail("\(what) \(problem)")
                }
                weights[role] = packing == .plain
                    ? Tensor(shape: entry.shape, values: ByteReader.floats(file.bytes, at: entry.offset, count: count))
                    : Tensor(zeros: entry.shape)
                locations[nodeDocument.name, default: [:]][role] = (entry, packing)
            }
            nodes.append(Node(name: nodeDocument.name, op: nodeDocument.op, inputs: nodeDocument.inputs,
                              outputs: nodeDocument.outputs, weights: weights, sourceLayers: nodeDocument.sourceLayers,
                              fusions: nodeDocument.fusions, inPlace: nodeDocument.inPlace))
        }
        let graph = Graph(name: document.graph.name, nodes: nodes,
                          outputs: document.graph.outputs.map { GraphOutput(tensor: $0.tensor, sourceLayout: $0.layout) },
                          source: document.graph.source, verification: document.graph.verification)
        do {
            shapes = try graph.validate()
        } catch let error as GraphError {
            throw fail("invalid graph: \(error)")
        }
        self.graph = graph
        var derived: [[Float]] = []
        steps = try PlanValidation(graph: graph, shapes: shapes, plan: plan, file: file, locations: locations, path: path)
            .buildSteps(derived: &derived)
        self.derived = derived
    }

    /// Floats the model's activation buffers need.
    public var activationBytes: Int { plan.activationBytes }
}
