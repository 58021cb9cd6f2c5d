import PZGraph
import PZKernelsAVX2
import PZKernelsAVX512
import PZPack

/// A loaded `.pz` model: its bytes mapped (or copied) into memory, every offset,
/// size, checksum and plan invariant checked, its steps built for the kernels of
/// one instruction set. Immutable; run it with `FastExecutor`.
///
/// A plan is made for one instruction set (`ExecutionPlan.isa`). When the CPU
/// runs another (or `instructionSet` asks for another), the loader unpacks the
/// weights (an exact permutation), plans the graph again for the instruction set
/// it runs (SIMD width, chunks and Winograd from `KernelTuning`) and packs it
/// in memory: a `.pz` exported on an AVX-512 machine runs as fast on an AVX2
/// one as if it had been exported there. `replannedFrom` says when that happened.
public final class PackedModel: @unchecked Sendable {
    /// The file, or the name given to a model loaded from memory.
    public let path: String
    /// The optimized graph (packed weights appear as zero tensors of their IR shape).
    public let graph: Graph
    public let plan: ExecutionPlan
    /// IR shape of every tensor.
    public let shapes: [String: [Int]]
    public let sourceModelSHA256: String
    /// The instruction set of the file's own plan, when the loader planned again.
    public let replannedFrom: InstructionSet?
    /// The file's own input patch (D, H, W of its one 3-D input), when the
    /// loader planned the model for another (`inputPatch`).
    public let resizedFrom: [Int]?
    let storage: ModelBytes
    let steps: [RuntimeStep]
    let library: any KernelLibrary.Type
    /// Weights derived at load (Winograd's transformed kernels), kept alive with the model.
    private let derived: DerivedWeights

    /// Loads the file at `path` for `instructionSet` (default: the CPU's, or
    /// PZCONV_ISA's when set). A model whose activation buffers would take more
    /// than `memoryLimit` is refused (the executor allocates them).
    /// With `inputPatch` (D, H, W), the model is planned again for that size of
    /// its one 3-D input, as for another instruction set (the net must allow it).
    public static func load(path: String, instructionSet: InstructionSet? = nil,
                            memoryLimit: MemoryLimit = .machine, inputPatch: [Int]? = nil) throws -> PackedModel {
        try load(ModelBytes(path: path), instructionSet: instructionSet ?? InstructionSet.current(), memoryLimit: memoryLimit,
                 inputPatch: inputPatch)
    }

    /// Loads a model from the bytes of a `.pz` file; `name` stands for the file in messages.
    public static func load(bytes: [UInt8], name: String = "(model in memory)",
                            instructionSet: InstructionSet? = nil, memoryLimit: MemoryLimit = .machine) throws -> PackedModel {
        try load(ModelBytes(copying: bytes, name: name), instructionSet: instructionSet ?? InstructionSet.current(),
                 memoryLimit: memoryLimit, inputPatch: nil)
    }

    /// The kernel build for `instructionSet`.
    static func library(for instructionSet: InstructionSet) -> any KernelLibrary.Type {
        switch instructionSet {
        case .avx2: PZKernelsAVX2.KernelBuild.self
        case .avx512: PZKernelsAVX512.KernelBuild.self
        }
    }

    private static func load(_ storage: ModelBytes, instructionSet: InstructionSet,
                             memoryLimit: MemoryLimit, inputPatch: [Int]?) throws -> PackedModel {
        let contents = try Contents(storage, memoryLimit: memoryLimit)
        let model: PackedModel
        if contents.document.plan.isa == instructionSet && inputPatch == nil {
            model = try PackedModel(contents, replannedFrom: nil, resizedFrom: nil)
        } else {
            let replanned = try contents.replanned(for: instructionSet, inputPatch: inputPatch)
            let ownPatch = inputPatch == nil ? nil : contents.graph.inputNodes.first
                .flatMap { contents.shapes[$0.outputs[0]] }.map { Array($0.dropFirst(2)) }
            model = try PackedModel(Contents(ModelBytes(copying: replanned, name: storage.name), memoryLimit: memoryLimit),
                                    replannedFrom: contents.document.plan.isa, resizedFrom: ownPatch)
        }
        do {
            // The plan is valid here; its buffers are what a FastExecutor allocates.
            try memoryLimit.check(model.plan.activationBytes, for: "its activation buffers")
        } catch {
            throw PackedModelError(storage.name, "\(error)")
        }
        return model
    }

    private init(_ contents: Contents, replannedFrom: InstructionSet?, resizedFrom: [Int]?) throws {
        path = contents.storage.name
        storage = contents.storage
        graph = contents.graph
        shapes = contents.shapes
        plan = contents.document.plan
        sourceModelSHA256 = contents.document.sourceModelSHA256
        self.replannedFrom = replannedFrom
        self.resizedFrom = resizedFrom
        library = Self.library(for: plan.isa)
        derived = DerivedWeights()
        steps = try contents.validation.buildSteps(library: library, derived: derived)
    }

    /// Floats the model's activation buffers need.
    public var activationBytes: Int { plan.activationBytes }

    /// The nodes that run on the reference kernel (by request at export), with
    /// their share of the model's FLOPs.
    public var referenceSteps: [(node: String, flops: Int)] {
        steps.filter { $0.kind == .reference }.map { ($0.node, $0.flops) }
    }
}

/// A `.pz` file's contents, checked: the document, the graph with its packed
/// weights located, and the plan's validator.
private struct Contents {
    let storage: ModelBytes
    let document: PackedModelDocument
    let graph: Graph
    let shapes: [String: [Int]]
    let locations: [String: [WeightRole: (entry: WeightEntry, packing: Packing)]]
    let validation: PlanValidation

    /// `memoryLimit` bounds the zero tensors that stand for packed weights.
    init(_ storage: ModelBytes, memoryLimit: MemoryLimit) throws {
        self.storage = storage
        func fail(_ message: String) -> PackedModelError { PackedModelError(storage.name, message) }
        let container = try SectionedFile(storage.bytes, magic: PackedModelFile.magic, version: PackedModelFile.formatVersion,
                                          describe: ".pz") { fail($0) }
        let document: PackedModelDocument = try PZIRFile.decodeJSON(Array(storage.bytes[container.jsonRange]),
                                                                    path: storage.name) { fail($0) }
        guard document.format == "pz", document.version == Int(PackedModelFile.formatVersion) else {
            throw fail("model description says format '\(document.format)' version \(document.version)")
        }
        self.document = document
        guard document.plan.winograd3x3Outputs == 2 || document.plan.winograd3x3Outputs == 4 else {
            throw fail("Winograd tile \(document.plan.winograd3x3Outputs) for 3×3 kernels is not 2 or 4")
        }
        guard document.plan.lanes == 8 || document.plan.lanes == 16 else {
            throw fail("SIMD width \(document.plan.lanes) is not 8 or 16")
        }

        // The graph, with its weights checked and located.
        var nodes: [Node] = []
        var locations: [String: [WeightRole: (entry: WeightEntry, packing: Packing)]] = [:]
        var zeroBytes = 0
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
                // A packed weight stands as zeros of its IR shape in the graph: their
                // total, which the file decides, is held to the memory limit before
                // any is made. (Packed bytes do not bound it: a transposed
                // convolution's phases drop the taps that never meet the input.)
                if packing != .plain {
                    zeroBytes = [zeroBytes, [count, 4].saturatingElementCount].saturatingSum
                    do {
                        try memoryLimit.check(zeroBytes, for: "the IR shapes of its packed weights (up to \(what))")
                    } catch {
                        throw fail("\(error)")
                    }
                }
                if let problem = container.problem(with: location, expectedBytes: expected, in: storage.bytes) {
                    throw fail("\(what) \(problem)")
                }
                weights[role] = packing == .plain
                    ? Tensor(shape: entry.shape, values: ByteReader.floats(storage.bytes, at: entry.offset, count: count))
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
        self.locations = locations
        validation = PlanValidation(graph: graph, shapes: shapes, plan: document.plan, storage: storage, locations: locations)
    }

    /// The bytes of the same model planned and packed for `instructionSet`: the
    /// weights unpacked with the file's plan (checked first), the graph planned
    /// again with the same choices where they are choices (Winograd allowed or
    /// not, nodes kept on the reference kernel).
    func replanned(for instructionSet: InstructionSet, inputPatch: [Int]? = nil) throws -> [UInt8] {
        func fail(_ message: String) -> PackedModelError { PackedModelError(storage.name, message) }
        let planned = try validation.plannedNodes()
        var graph = self.graph
        for (index, node) in graph.nodes.enumerated() {
            for (role, location) in locations[node.name] ?? [:] where location.packing != .plain {
                let entry = location.entry
                let values: Tensor
                if location.packing == .channels {
                    let blocks = (entry.shape.elementCount + document.plan.lanes - 1) / document.plan.lanes
                    guard entry.shape.count == 1, entry.bytes == blocks * document.plan.lanes * 4 else {
                        throw fail("weight '\(role.rawValue)' of node '\(node.name)' is not packed as its shape needs")
                    }
                    values = Tensor(shape: entry.shape, values: ByteReader.floats(storage.bytes, at: entry.offset,
                                                                                 count: entry.shape.elementCount))
                } else {
                    guard role == .weight, let step = planned.first(where: { $0.0.name == node.name })?.1 else {
                        throw fail("weight '\(role.rawValue)' of node '\(node.name)' is packed but no step reads it packed")
                    }
                    let packing = try validation.convolutionPacking(node, step)
                    guard packing.packing == location.packing, entry.bytes == packing.floats * 4 else {
                        throw fail("weight '\(role.rawValue)' of node '\(node.name)' is not packed as the plan needs")
                    }
                    values = packing.unpack(UnsafeBufferPointer(start: storage.floats(at: entry.offset), count: packing.floats),
                                            irShape: entry.shape)
                }
                graph.nodes[index].weights[role] = values
            }
        }
        let fileTuning = KernelTuning.of(document.plan.isa)
        let declinedWinograd = planned.contains { node, step in
            guard step.kernel == .convolution, let parameters = node.op.convolutionParameters, case .convolution = node.op,
                  parameters.fitsWinograd else { return false }
            return shapes[node.inputs[0]]![1] >= fileTuning.winogradMinimumInputChannels
        }
        let reference = Set(planned.filter { $0.1.kernel == .reference }.map(\.0.name))
        do {
            if let inputPatch { graph = try graph.resizingInput(to: inputPatch) }
            let plan = try Exporter.plan(graph, isa: instructionSet, lanes: KernelTuning.of(instructionSet).lanes(for: graph),
                                         winograd: !declinedWinograd, referenceNodes: reference)
            return try Exporter.encode(graph, plan: plan, sourceModelSHA256: document.sourceModelSHA256)
        } catch let error as GraphError where inputPatch != nil {
            throw fail("cannot run at input patch \(inputPatch!.map(String.init).joined(separator: "×")): \(error)")
        }
    }
}
