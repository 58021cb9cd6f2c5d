import ArgumentParser
import Foundation
import PZGraph
import PZRuntime

struct InspectCommand: ParsableCommand {
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

    func run() throws {
        var report: InspectReport
        if model.hasSuffix(".pz") {
            let packed = try ModelFile.loadPacked(model)
            report = InspectReport(graph: packed.graph, file: model)
            report.packed = .init(model: packed)
        } else {
            report = InspectReport(graph: try ModelFile.loadGraph(model), file: model)
        }
        print(json ? try report.json() : report.text())
    }
}
