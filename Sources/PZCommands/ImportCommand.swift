import ArgumentParser
import PZGraph
import PZImport

struct ImportCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a Caffe, Keras or ONNX model into a .pzir file (pzconv import model.h5 -o net.pzir).",
        discussion: """
        Caffe: a deploy .prototxt (current `layer` or V1 `layers` format, including the 3-D forks' \
        ND pooling and MergeCrop) with --weights .caffemodel or .caffemodel.h5. Keras: a full-model \
        .h5 (Keras 2, tf.keras, Keras 3), or a JSON config with --weights .h5. ONNX: a .onnx file \
        (torch.onnx.export, opsets 7 to 22; external data beside it), 4-D or 5-D float inputs; dynamic \
        dimensions need --input-shape.

        Examples:
          pzconv import model.h5 -o net.pzir
          pzconv import deploy.prototxt --weights model.caffemodel -o net.pzir
          pzconv import deploy.prototxt --weights model.caffemodel.h5 --input-shape 1,1,18,192,192 -o net.pzir
          pzconv import model.onnx --input-shape 1,1,128,128,128 -o net.pzir
        """
    )

    @OptionGroup var source: ImportSource

    @Option(name: .shortAndLong, help: "The .pzir file to write.")
    var output: String

    @OptionGroup var memoryOptions: MemoryOptions

    func run() throws { try printReport() }

    func report() throws -> CommandReport {
        guard output.hasSuffix(".pzir") else { throw CommandError("\(output): the output of import must be a .pzir file") }
        try source.validateInputs()
        // The source files are read in pzconv's HDF5 worker process (see HDF5Isolation);
        // the graph comes back as a .pzir and is checked again here.
        let graph = try HDF5Isolation.run(["import"] + source.arguments + memoryOptions.arguments,
                                          resultName: "import.pzir", hdf5File: source.hdf5File) {
            try PZIRFile.read(from: $0)
        }
        try PZIRFile.write(graph, to: output)
        let shapesByTensor = try graph.inferShapes()
        let flops = graph.statistics(shapes: shapesByTensor).map(\.flops).saturatingSum
        return CommandReport("\(source.model) → \(output): \(graph.nodes.count) nodes, \(graph.parameterCount) parameters, "
              + "\(formatFlops(flops)) per run")
    }
}

/// The source model of `import` (and of its HDF5 worker): the model file, its
/// weights, and an input shape override.
struct ImportSource: ParsableArguments {
    @Argument(help: "The model: a Caffe .prototxt, a Keras .h5, a Keras JSON config, or an ONNX .onnx.")
    var model: String

    @Option(help: "Weights: .caffemodel or .caffemodel.h5 for Caffe, .h5 for a Keras JSON config.")
    var weights: String?

    @Option(help: "Override the input shape in the source layout, batch first: 1,1,18,192,192 (or name:1,1,18,192,192;…).")
    var inputShape: String?

    @Option(help: "How volumes are scaled on their way in, kept in the model for predict: scale:1/255, meanstd:M,S, zscore, percentile:0.5,99.5.")
    var normalize: String?

    /// These options again, as command-line arguments (for the worker process).
    var arguments: [String] {
        [model] + (weights.map { ["--weights", $0] } ?? []) + (inputShape.map { ["--input-shape", $0] } ?? [])
            + (normalize.map { ["--normalize", $0] } ?? [])
    }

    /// `--normalize`, parsed.
    func normalization() throws -> InputNormalization? {
        do {
            return try normalize.map { try InputNormalization(parsing: $0) }
        } catch {
            throw CommandError("--normalize: \(error)")
        }
    }

    /// The file libhdf5 would read: the weights when given, else the model.
    var hdf5File: String { weights ?? model }

    /// The checks that need no file read: a known format with the weights it needs.
    func validateInputs() throws {
        _ = try inputShape.map { try InputShapeOverride(parsing: $0) }
        _ = try normalization()
        switch ModelFormat(path: model) {
        case .caffe:
            guard weights != nil else {
                throw CommandError("\(model): a Caffe prototxt needs its trained weights: --weights model.caffemodel[.h5]")
            }
        case .keras where model.lowercased().hasSuffix(".json"):
            guard weights != nil else {
                throw CommandError("\(model): a Keras JSON config needs its weights: --weights weights.h5")
            }
        case .keras:
            guard weights == nil else {
                throw CommandError("\(model): a full Keras model file holds its weights; --weights is for a Caffe prototxt "
                                   + "or a Keras JSON config")
            }
        case .onnx:
            guard weights == nil else {
                throw CommandError("\(model): an ONNX model holds its weights (or names its external data files); --weights is "
                                   + "for a Caffe prototxt or a Keras JSON config")
            }
        case .kerasArchive:
            throw CommandError("\(model): a Keras 3 .keras archive; pzconv reads Keras' HDF5 format: save the model with "
                               + "model.save(\"model.h5\")")
        case .unknown:
            throw CommandError("\(model): unknown model format (expected a Caffe .prototxt, a Keras .h5 or .json, or an ONNX .onnx)")
        }
    }

    /// Imports the model in this process (libhdf5 included: the HDF5 worker's job).
    func importGraph(memoryLimit: MemoryLimit) throws -> Graph {
        try validateInputs()
        let shapes = try inputShape.map { try InputShapeOverride(parsing: $0) } ?? InputShapeOverride()
        var graph: Graph
        switch (ModelFormat(path: model), weights) {
        case (.caffe, let weights?):
            graph = try CaffeImporter.importModel(prototxt: model, weights: weights, inputShape: shapes, memoryLimit: memoryLimit)
        case (.keras, let weights?):
            graph = try KerasImporter.importModel(json: model, weights: weights, inputShape: shapes, memoryLimit: memoryLimit)
        case (.keras, nil):
            graph = try KerasImporter.importModel(h5: model, inputShape: shapes, memoryLimit: memoryLimit)
        case (.onnx, nil):
            graph = try ONNXImporter.importModel(path: model, inputShape: shapes, memoryLimit: memoryLimit)
        default:
            throw CommandError("\(model): unknown model format")  // validateInputs refused it already
        }
        if let normalization = try normalization() {
            for index in graph.nodes.indices {
                if case .input(var parameters) = graph.nodes[index].op {
                    parameters.normalization = normalization
                    graph.nodes[index].op = .input(parameters)
                }
            }
        }
        return graph
    }
}

/// Which importer reads a file, by its name.
enum ModelFormat {
    case caffe
    case keras
    case kerasArchive
    case onnx
    case unknown

    init(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".prototxt") || lower.hasSuffix(".pbtxt") || lower.hasSuffix(".pt") {
            self = .caffe
        } else if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || lower.hasSuffix(".json") {
            self = .keras
        } else if lower.hasSuffix(".onnx") {
            self = .onnx
        } else if lower.hasSuffix(".keras") {
            self = .kerasArchive
        } else {
            self = .unknown
        }
    }
}
