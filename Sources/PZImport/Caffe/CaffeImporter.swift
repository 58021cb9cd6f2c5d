import PZGraph

/// Imports a Caffe net: a deploy `.prototxt` and its trained weights
/// (`.caffemodel` or `.caffemodel.h5`) become a validated IR graph.
public enum CaffeImporter {
    /// `memoryLimit` bounds the weights read from a `.caffemodel.h5` (a binary
    /// `.caffemodel` is bounded by its own size).
    public static func importModel(prototxt: String, weights weightsPath: String,
                                   inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine) throws -> Graph {
        let (text, prototxtBytes) = try readTextFile(prototxt)
        let net = try CaffeNetDescription(text: text, path: prototxt)
        let weights = try CaffeWeights(path: weightsPath, memoryLimit: memoryLimit)
        return try build(net, prototxtBytes: prototxtBytes, weights: weights, weightsBytes: { try readFileBytes(weightsPath) },
                         inputShape: inputShape)
    }

    /// Imports a Caffe net held in memory: the prototxt's text and the bytes of its
    /// weights file (`.caffemodel`, or `.caffemodel.h5` recognised by its HDF5
    /// signature). `prototxtPath` and `weightsPath` name them in errors and in the
    /// graph's provenance.
    public static func importModel(prototxtText text: String, prototxtPath: String, weightsBytes: [UInt8],
                                   weightsPath: String, inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine) throws -> Graph {
        let net = try CaffeNetDescription(text: text, path: prototxtPath)
        let weights = try CaffeWeights(bytes: weightsBytes, path: weightsPath, memoryLimit: memoryLimit)
        return try build(net, prototxtBytes: Array(text.utf8), weights: weights, weightsBytes: { weightsBytes },
                         inputShape: inputShape)
    }

    private static func build(_ net: CaffeNetDescription, prototxtBytes: [UInt8], weights: CaffeWeights,
                              weightsBytes: () throws -> [UInt8], inputShape: InputShapeOverride) throws -> Graph {
        let prototxt = net.path
        let weightsPath = weights.path
        let inputNames = net.layers.filter { $0.type == "Input" }.flatMap(\.tops)
        var builder = CaffeGraphBuilder(net: net, weights: weights, inputShapes: try inputShape.resolved(for: inputNames))
        for layer in net.layers { try builder.add(layer) }
        let source = SourceInfo(framework: "caffe", detail: "\(net.format) prototxt format",
                                files: [describeSourceFile(prototxt, bytes: prototxtBytes),
                                        describeSourceFile(weightsPath, bytes: try weightsBytes())])
        let name = net.name.isEmpty ? stem(of: prototxt) : net.name
        let graph = try builder.graph(name: name, source: source)
        do {
            try graph.validate()
        } catch let error as GraphError {
            throw ImportError("\(prototxt): the imported graph is invalid: \(error)")
        }
        return graph
    }

    private static func stem(of path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.split(separator: ".").first.map(String.init) ?? file
    }
}
