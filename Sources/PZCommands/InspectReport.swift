import Foundation
import PZGraph
import PZPack
import PZRuntime

/// What `pzconv inspect` prints, as text or JSON.
package struct InspectReport: Encodable {
    struct IO: Encodable {
        var tensor: String
        var shape: [Int]
        var layout: String
        var sourceShape: [Int]

        enum CodingKeys: String, CodingKey { case tensor, shape, layout, sourceShape = "source_shape" }
    }

    struct NodeRow: Encodable {
        var name: String
        var op: String
        var inputs: [String]
        var outputs: [String]
        var shapes: [[Int]]
        var parameters: Int
        var flops: Int
        var sourceLayers: [String]
        var fusions: [String]
        var inPlace: Bool
        /// Kernel extent (D, H, W) of convolutions, deconvolutions and pooling.
        var kernel: [Int]?

        enum CodingKeys: String, CodingKey {
            case name, op, inputs, outputs, shapes, parameters, flops, sourceLayers = "source_layers", fusions
            case inPlace = "in_place", kernel
        }
    }

    struct Totals: Encodable {
        var nodes: Int
        var parameters: Int
        var flops: Int
    }

    var file: String
    var name: String
    var source: SourceInfo?
    var inputs: [IO]
    var nodes: [NodeRow]
    var outputs: [IO]
    var totals: Totals
    /// Input voxels (D, H, W) one output voxel depends on (see `FieldOfView`).
    var fieldOfView: [Int]
    var verification: VerificationRecord?
    /// For a `.pz`: its plan.
    var packed: PackedSummary?

    /// What a `.pz` adds to the graph: the SIMD width, each step's kernel, the
    /// activation buffers, and the hash of the `.pzir` it was exported from.
    struct PackedSummary: Encodable {
        struct Step: Encodable {
            var node: String
            var kernel: String
            var chunks: [Int]?
        }

        /// The instruction set the plan shown is for (this CPU's), and the one the
        /// file was planned for when the loader re-planned it.
        var isa: String
        var replannedFrom: String?
        var lanes: Int
        var sourceModelSHA256: String
        var buffers: Int
        var activationBytes: Int
        var steps: [Step]
        /// Nodes on the scalar reference kernel, and their share of the FLOPs (%).
        var referenceNodes: [String]
        var referenceFlopsPercent: Double

        enum CodingKeys: String, CodingKey {
            case isa, replannedFrom = "replanned_from", lanes, sourceModelSHA256 = "source_model_sha256", buffers
            case activationBytes = "activation_bytes", steps, referenceNodes = "reference_nodes"
            case referenceFlopsPercent = "reference_flops_percent"
        }

        init(model: PackedModel) {
            let plan = model.plan
            isa = plan.isa.rawValue
            replannedFrom = model.replannedFrom?.rawValue
            let fallbacks = ReferenceFallbacks(graph: model.graph, plan: plan)
            referenceNodes = fallbacks.nodes.map(\.name)
            referenceFlopsPercent = Double(fallbacks.nodes.map(\.flops).saturatingSum) / Double(fallbacks.totalFlops) * 100
            let sourceModelSHA256 = model.sourceModelSHA256
            lanes = plan.lanes
            self.sourceModelSHA256 = sourceModelSHA256
            buffers = plan.buffers.count
            activationBytes = plan.activationBytes
            steps = plan.steps.map { Step(node: $0.node, kernel: $0.kernel.rawValue, chunks: $0.chunks?.map(\.blocks)) }
        }
    }

    init(graph: Graph, file: String) {
        let shapes = (try? graph.inferShapes()) ?? [:]
        let statistics = graph.statistics(shapes: shapes)
        self.file = file
        name = graph.name
        source = graph.source
        fieldOfView = FieldOfView(graph).size
        inputs = graph.inputNodes.compactMap { node in
            guard case .input(let parameters) = node.op else { return nil }
            return IO(tensor: node.outputs[0], shape: parameters.shape, layout: parameters.sourceLayout.axes,
                      sourceShape: parameters.sourceLayout.sourceShape(fromCanonical: parameters.shape))
        }
        nodes = zip(graph.nodes, statistics).map { node, statistics in
            NodeRow(name: node.name, op: node.op.typeName, inputs: node.inputs, outputs: node.outputs,
                    shapes: node.outputs.map { shapes[$0] ?? [] }, parameters: statistics.parameters,
                    flops: statistics.flops, sourceLayers: node.sourceLayers, fusions: node.fusions, inPlace: node.inPlace,
                    kernel: Self.kernel(of: node.op))
        }
        outputs = graph.outputs.map { output in
            let shape = shapes[output.tensor] ?? []
            return IO(tensor: output.tensor, shape: shape, layout: output.sourceLayout.axes,
                      sourceShape: output.sourceLayout.sourceShape(fromCanonical: shape))
        }
        totals = Totals(nodes: graph.nodes.count, parameters: statistics.reduce(0) { $0 + $1.parameters },
                        flops: statistics.map(\.flops).saturatingSum)
        verification = graph.verification
    }

    private static func kernel(of op: Op) -> [Int]? {
        if let parameters = op.convolutionParameters { return parameters.kernel }
        if case .pooling(let parameters) = op { return parameters.kernel }
        return nil
    }

    package func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var lines: [String] = []
        var header = "\(file): graph '\(name)'"
        if let source {
            header += " from \(source.framework)"
            if let detail = source.detail { header += " (\(detail))" }
        }
        lines.append(header)
        for file in source?.files ?? [] {
            lines.append("  source \(file.name)  \(file.bytes) bytes  sha256 \(file.sha256)")
        }
        lines.append("inputs:")
        for input in inputs {
            lines.append("  \(input.tensor)  \(input.sourceShape.shapeDescription) (\(input.layout))")
        }
        let kernels = Dictionary(uniqueKeysWithValues: (packed?.steps ?? []).map { ($0.node, $0.kernel) })
        let table = TextTable(columns: ["#", "node", "op", "shape (NCDHW)", "params", "MFLOP", "source layers", "fusions"]
                              + (packed == nil ? [] : ["kernel"]))
        for (index, node) in nodes.enumerated() {
            table.add([String(index), node.name, node.op, node.shapes.map(\.shapeDescription).joined(separator: ", "),
                       String(node.parameters), String(format: "%.3f", Double(node.flops) / 1e6),
                       node.sourceLayers.joined(separator: ","),
                       (node.fusions + (node.inPlace ? ["in-place"] : [])).joined(separator: ",")]
                      + (packed == nil ? [] : [kernels[node.name] ?? "-"]))
        }
        lines.append("nodes:")
        lines.append(contentsOf: table.render().map { "  " + $0 })
        lines.append("outputs:")
        for output in outputs {
            lines.append("  \(output.tensor)  \(output.sourceShape.shapeDescription) (\(output.layout))")
        }
        lines.append("total: \(totals.nodes) nodes, \(totals.parameters) parameters, \(formatFlops(totals.flops)) per run")
        lines.append("field of view: \(fieldOfView.map(String.init).joined(separator: "×")) input voxels (D×H×W) per output voxel")
        if let packed {
            let isa = InstructionSet(rawValue: packed.isa)?.displayName ?? packed.isa
            let origin = packed.replannedFrom.map { " (the file was planned for \(InstructionSet(rawValue: $0)?.displayName ?? $0); "
                + "re-planned at load for this CPU)" } ?? ""
            lines.append("packed: \(isa) kernels\(origin), S = \(packed.lanes), \(packed.steps.count) steps, activation memory "
                         + "\(formatBytes(packed.activationBytes)) in \(packed.buffers) buffers; exported from a .pzir with sha256 "
                         + (packed.sourceModelSHA256.isEmpty ? "(none recorded)" : packed.sourceModelSHA256))
            lines.append(packed.referenceNodes.isEmpty ? "every node runs on a blocked kernel"
                : "on the scalar reference kernel: \(packed.referenceNodes.joined(separator: ", ")) "
                    + String(format: "(%.2f%% of the FLOPs)", packed.referenceFlopsPercent))
        }
        if let verification {
            lines.append("verification (tolerance \(formatError(verification.tolerance)), \(verification.patches)): "
                         + (verification.holds ? "holds" : "FAILED"))
            if let baseline = verification.baseline {
                lines.append("  unfused import vs golden: max rel error \(formatError(baseline.maxRelativeError))")
            }
            for pass in verification.passes {
                var line = "  \(pass.pass): \(pass.outcome.rawValue), \(pass.nodesBefore) → \(pass.nodesAfter) nodes"
                if let error = pass.versusUnfused { line += ", max rel error vs unfused \(formatError(error.maxRelativeError))" }
                if let divergence = pass.firstDivergence { line += "; first diverging \(divergence)" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// `11664` → "11.7 kFLOP", `1.2e11` → "120.0 GFLOP".
func formatFlops(_ flops: Int) -> String {
    let units: [(Double, String)] = [(1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")]
    for (scale, unit) in units where Double(flops) >= scale {
        return String(format: "%.1f %@", Double(flops) / scale, unit)
    }
    return "\(flops) FLOP"
}

/// Left-aligned columns separated by two spaces.
final class TextTable {
    private let columns: [String]
    private var rows: [[String]] = []

    init(columns: [String]) { self.columns = columns }

    func add(_ row: [String]) { rows.append(row) }

    func render() -> [String] {
        let all = [columns] + rows
        let widths = columns.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
