import Foundation
import PZCommands
import PZGraph
import PZReference
import PZRuntime

/// What a `pzconv_model *` points to: a model loaded once, run many times.
///
/// Invariants: `graph`, `inputs` and `outputs` never change after init, so the
/// description functions read them from any thread; `run` holds `lock`, since
/// an executor owns one set of activation buffers.
final class LoadedModel {
    /// The file, or "(model in memory)", as named in errors.
    let name: String
    let graph: Graph
    let packed: PackedModel?
    let inputs: [TensorDescription]
    let outputs: [TensorDescription]
    let defaultThreads: Int
    private let fast: FastExecutor?
    private let reference: ReferenceExecutor?
    private let lock = NSLock()

    /// One input or output: its name and source layout as C strings (owned
    /// here, freed with the model) and its NCDHW shape.
    final class TensorDescription {
        let name: String
        let layout: DataLayout
        let canonicalShape: [Int]
        let cName: UnsafeMutablePointer<CChar>
        let cLayout: UnsafeMutablePointer<CChar>

        init(name: String, layout: DataLayout, canonicalShape: [Int]) {
            self.name = name
            self.layout = layout
            self.canonicalShape = canonicalShape
            cName = strdup(name)!
            cLayout = strdup(layout.axes)!
        }

        deinit {
            free(cName)
            free(cLayout)
        }

        /// The shape in `layout`: the source layout's, or NCDHW.
        func shape(_ layout: LibraryLayout) -> [Int] {
            layout == .source ? self.layout.sourceShape(fromCanonical: canonicalShape) : canonicalShape
        }

        var elementCount: Int { canonicalShape.reduce(1, *) }
    }

    /// `threads` (0: every core) runs a `.pz` when a run names none.
    init(name: String, packed: PackedModel?, graph: Graph, threads: Int) throws {
        self.name = name
        self.graph = graph
        self.packed = packed
        defaultThreads = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        let shapes = try packed?.shapes ?? graph.inferShapes()
        inputs = graph.inputNodes.compactMap { node in
            guard case .input(let parameters) = node.op else { return nil }
            return TensorDescription(name: node.outputs[0], layout: parameters.sourceLayout, canonicalShape: parameters.shape)
        }
        outputs = try graph.outputs.map { output in
            guard let shape = shapes[output.tensor] else { throw LibraryError.argument("\(name): output '\(output.tensor)' has no shape") }
            return TensorDescription(name: output.tensor, layout: output.sourceLayout, canonicalShape: shape)
        }
        if let packed {
            fast = FastExecutor(model: packed, threads: defaultThreads)
            reference = nil
        } else {
            fast = nil
            reference = try ReferenceExecutor(graph: graph, memoryLimit: .machine)
        }
    }

    /// Loads `path` by extension, with every check of the command line's loader.
    static func load(path: String, threads: Int) throws -> LoadedModel {
        if path.hasSuffix(".pz") {
            let packed = try ModelFile.loadPacked(path)
            return try LoadedModel(name: path, packed: packed, graph: packed.graph, threads: threads)
        }
        return try LoadedModel(name: path, packed: nil, graph: ModelFile.loadGraph(path), threads: threads)
    }

    /// Loads the bytes of a `.pz` (format "pz") or `.pzir` ("pzir") file.
    static func load(bytes: [UInt8], format: String, threads: Int) throws -> LoadedModel {
        let name = "(\(format) model in memory)"
        switch format {
        case "pz":
            let packed = try PackedModel.load(bytes: bytes, name: name)
            return try LoadedModel(name: name, packed: packed, graph: packed.graph, threads: threads)
        case "pzir":
            return try LoadedModel(name: name, packed: nil, graph: PZIRFile.decode(bytes, path: name), threads: threads)
        default:
            throw LibraryError.argument("format must be \"pz\" or \"pzir\", not \"\(format)\"")
        }
    }

    /// Runs once on `inputs` (one buffer per input, in `layout`) into `outputs`.
    func run(inputs buffers: [UnsafePointer<Float>], outputs destinations: [UnsafeMutablePointer<Float>],
             layout: LibraryLayout, threads: Int) throws {
        guard buffers.count == inputs.count else {
            throw LibraryError.argument("\(name) takes \(inputs.count) input(s), got \(buffers.count)")
        }
        guard destinations.count == outputs.count else {
            throw LibraryError.argument("\(name) has \(outputs.count) output(s), got \(destinations.count) output buffers")
        }
        var feeds: [String: Tensor] = [:]
        for (input, buffer) in zip(inputs, buffers) {
            var values = Array(UnsafeBufferPointer(start: buffer, count: input.elementCount))
            if layout == .source { values = input.layout.toCanonical(values, canonicalShape: input.canonicalShape) }
            feeds[input.name] = Tensor(shape: input.canonicalShape, values: values)
        }
        let results: [String: Tensor] = try lock.withLock {
            if let fast {
                fast.threads = threads > 0 ? threads : defaultThreads
                return try fast.run(inputs: feeds)
            }
            return try reference!.run(inputs: feeds)
        }
        for (output, destination) in zip(outputs, destinations) {
            guard let tensor = results[output.name] else { throw LibraryError(status: .failed, description: "\(name): the run returned no '\(output.name)'") }
            let values = layout == .source
                ? output.layout.fromCanonical(tensor.values, canonicalShape: output.canonicalShape) : tensor.values
            values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: output.elementCount) }
        }
    }
}

/// `pzconv_layout` (include/pzconv.h).
enum LibraryLayout: Int32 {
    case source = 0
    case ncdhw = 1

    init(checking value: Int32) throws {
        guard let layout = LibraryLayout(rawValue: value) else {
            throw LibraryError.argument("layout must be PZCONV_LAYOUT_SOURCE (0) or PZCONV_LAYOUT_NCDHW (1), not \(value)")
        }
        self = layout
    }
}
