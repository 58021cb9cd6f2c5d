import ArgumentParser
import Foundation
import PZGraph
import PZRuntime

struct InspectCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a model's layers, shapes, parameters, FLOPs and applied fusions (pzconv inspect net.pzir).",
        discussion: """
        For a packed .pz, also the SIMD width, each node's kernel, the activation buffers and the hash \
        of the .pzir it was exported from.

        Examples:
          pzconv inspect net.pzir
          pzconv inspect net.pz --json
        """
    )

    @Argument(help: "The model: .pzir or .pz.")
    var model: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws { try printReport() }

    func report() throws -> CommandReport {
        let packed = model.hasSuffix(".pz") ? try ModelFile.loadPacked(model) : nil
        let report = InspectReport(graph: try packed?.graph ?? ModelFile.loadGraph(model), packed: packed, file: model)
        return CommandReport(json ? try report.json() : report.text())
    }
}

extension InspectReport {
    /// The report of a loaded model: `graph`, and `packed` when it is a `.pz`
    /// (the C library's `pzconv_model_inspect_json` uses this too).
    package init(graph: Graph, packed: PackedModel?, file: String) {
        self.init(graph: graph, file: file)
        self.packed = packed.map(PackedSummary.init(model:))
    }
}
