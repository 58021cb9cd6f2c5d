import PZGraph

/// What `ONNXExporter` writes.
public struct ONNXExportOptions: Sendable {
    /// Inputs and outputs in the source model's layout (Transposes at the edges
    /// of a channels_last model), or channels-first (NCDHW; NCHW for a 2-D model).
    public enum Layout: String, Sendable {
        case source
        case ncdhw
    }

    /// The default-domain operator set; `ONNXExporter.opsets` lists those accepted.
    public var opset: Int
    public var layout: Layout
    /// The producer version written into the file.
    public var producerVersion: String

    public init(opset: Int = 17, layout: Layout = .source, producerVersion: String = "") {
        self.opset = opset
        self.layout = layout
        self.producerVersion = producerVersion
    }
}

/// Writes an IR graph (as imported, or optimized by the pass pipeline) as an ONNX
/// model: every op of the IR, channels-first inside (NCDHW; a 2-D model, whose
/// inputs have no D axis, as NCHW), node names from the IR (the source layers), the
/// source layers and fusions in each node's `doc_string`, graph inputs and outputs
/// named as in the source model, and a shape on every value.
///
/// Fused convolutions are written back as their parts (Conv, then Mul/Add for the
/// fused base, the activation, Pad for the output border), which ONNX Runtime
/// fuses again. Semantics that ONNX spells differently are made explicit: Caffe's
/// ceil-mode pooling as explicit end padding (and, for averages whose last window
/// overhangs the padding, a constant per-position correction of the divisor); a
/// deconvolution that extends its output (negative padding) as ConvTranspose, Pad
/// and the bias added after, so that the extended positions hold only the bias.
public enum ONNXExporter {
    /// Operator sets the exporter writes (every op it uses is unchanged across them).
    public static let opsets = 13...21

    /// The ONNX IR version that goes with an operator set.
    static func irVersion(opset: Int) -> Int64 {
        switch opset {
        case ...14: 7
        case 15...18: 8
        case 19...20: 9
        default: 10
        }
    }

    public static func export(_ graph: Graph, options: ONNXExportOptions = ONNXExportOptions()) throws -> ONNXModel {
        guard opsets.contains(options.opset) else {
            throw ONNXFormatError("--opset \(options.opset): pzconv writes operator sets \(opsets.lowerBound) to \(opsets.upperBound)")
        }
        let shapes = try graph.validate()
        var emitter = ONNXGraphEmitter(graph: graph, shapes: shapes, layout: options.layout, opset: options.opset)
        try emitter.emitGraph()
        var documentation = "Exported by pzconv from graph '\(graph.name)'"
        if let source = graph.source {
            documentation += " (\(source.framework)" + (source.detail.map { ", \($0)" } ?? "") + "; "
                + source.files.map { "\($0.name) sha256 \($0.sha256)" }.joined(separator: ", ") + ")"
        }
        if let record = graph.verification {
            documentation += "; optimized by the verified pass pipeline (" + (record.holds ? "all passes within " : "some rolled back, tolerance ")
                + "\(record.tolerance))"
        }
        let onnxGraph = ONNXGraph(name: graph.name, nodes: emitter.nodes, initializers: emitter.initializers,
                                  inputs: emitter.inputs, outputs: emitter.outputs, valueInfo: emitter.valueInfo)
        return ONNXModel(irVersion: irVersion(opset: options.opset), opsets: ["": Int64(options.opset)],
                         producerName: "pzconv", producerVersion: options.producerVersion, docString: documentation + ".",
                         graph: onnxGraph)
    }
}
