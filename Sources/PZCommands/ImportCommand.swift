import ArgumentParser
import PZGraph
import PZImport

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a Caffe or Keras model into a .pzir file (pzconv import model.h5 -o net.pzir).",
        discussion: """
        Caffe: a deploy .prototxt (current `layer` or V1 `layers` format, including the 3-D forks' \
        ND pooling and MergeCrop) with --weights .caffemodel or .caffemodel.h5. Keras: a full-model \
        .h5 (Keras 2, tf.keras, Keras 3), or a JSON config with --weights .h5.

        Examples:
          pzconv import model.h5 -o net.pzir
          pzconv import deploy.prototxt --weights model.caffemodel -o net.pzir
          pzconv import deploy.prototxt --weights model.caffemodel.h5 --input-shape 1,1,18,192,192 -o net.pzir
        """
    )

    @Argument(help: "The model: a Caffe .prototxt, a Keras .h5, or a Keras JSON config.")
    var model: String

    @Option(help: "Weights: .caffemodel or .caffemodel.h5 for Caffe, .h5 for a Keras JSON config.")
    var weights: String?

    @Option(name: .shortAndLong, help: "The .pzir file to write.")
    var output: String

    @Option(help: "Override the input shape in the source layout, batch first: 1,1,18,192,192 (or name:1,1,18,192,192;…).")
    var inputShape: String?

    @OptionGroup var memoryOptions: MemoryOptions

    func run() throws {
        guard output.hasSuffix(".pzir") else { throw CommandError("\(output): the output of import must be a .pzir file") }
        let shapes = try inputShape.map { try InputShapeOverride(parsing: $0) } ?? InputShapeOverride()
        let graph: Graph
        switch ModelFormat(path: model) {
        case .caffe:
            guard let weights else {
                throw CommandError("\(model): a Caffe prototxt needs its trained weights: --weights model.caffemodel[.h5]")
            }
            graph = try CaffeImporter.importModel(prototxt: model, weights: weights, inputShape: shapes,
                                                  memoryLimit: memoryOptions.limit)
        case .keras where model.lowercased().hasSuffix(".json"):
            guard let weights else {
                throw CommandError("\(model): a Keras JSON config needs its weights: --weights weights.h5")
            }
            graph = try KerasImporter.importModel(json: model, weights: weights, inputShape: shapes,
                                                  memoryLimit: memoryOptions.limit)
        case .keras:
            guard weights == nil else {
                throw CommandError("\(model): a full Keras model file holds its weights; --weights is for a Caffe prototxt "
                                   + "or a Keras JSON config")
            }
            graph = try KerasImporter.importModel(h5: model, inputShape: shapes,
                                                  memoryLimit: memoryOptions.limit)
        case .kerasArchive:
            throw CommandError("\(model): a Keras 3 .keras archive; pzconv reads Keras' HDF5 format: save the model with "
                               + "model.save(\"model.h5\")")
        case .unknown:
            throw CommandError("\(model): unknown model format (expected a Caffe .prototxt, a Keras .h5 or a Keras .json)")
        }
        try PZIRFile.write(graph, to: output)
        let shapesByTensor = try graph.inferShapes()
        let flops = graph.statistics(shapes: shapesByTensor).map(\.flops).saturatingSum
        print("\(model) → \(output): \(graph.nodes.count) nodes, \(graph.parameterCount) parameters, "
              + "\(formatFlops(flops)) per run")
    }
}

/// Which importer reads a file, by its name.
enum ModelFormat {
    case caffe
    case keras
    case kerasArchive
    case unknown

    init(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".prototxt") || lower.hasSuffix(".pbtxt") || lower.hasSuffix(".pt") {
            self = .caffe
        } else if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || lower.hasSuffix(".json") {
            self = .keras
        } else if lower.hasSuffix(".keras") {
            self = .kerasArchive
        } else {
            self = .unknown
        }
    }
}
