import ArgumentParser
import Foundation
import PZGraph

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a model's layers, shapes, parameters, FLOPs and applied fusions (pzconv inspect net.pzir).",
        discussion: """
        Examples:
          pzconv inspect net.pzir
          pzconv inspect net.pzir --json
        """
    )

    @Argument(help: "The model: .pzir or .pz.")
    var model: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let graph = try ModelFile.loadGraph(model)
        let report = InspectReport(graph: graph, file: model)
        print(json ? try report.json() : report.text())
    }
}
