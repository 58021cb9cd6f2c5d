import ArgumentParser
import PZGraph
import PZPasses

struct VerifyCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every optimization pass against the unfused model and the golden outputs (pzconv verify --tolerance 1e-4).",
        discussion: """
        Without a model, every fixture under Fixtures/ (caffe, caffe-fork, keras) is imported and run \
        through the whole pass pipeline against its golden outputs under Golden/, then exported to the \
        packed .pz at S = 16 and S = 8 and run by the fast executor against the same golden outputs. With a .pzir model, its \
        golden data is used, or seeded random patches when none is given (then the optimized graph must \
        agree with the unfused one; a large model is checked at a reduced input size and the same rewrites \
        are then required at full size); with golden data the fast executor is checked too. Exits 0 only \
        if every model holds.

        Examples:
          pzconv verify --tolerance 1e-4
          pzconv verify net.pzir --golden golden/
          pzconv verify net.pzir --json
        """
    )

    @Argument(help: "A .pzir model; without one, every fixture under --fixtures is verified.")
    var model: String?

    @Option(help: "Golden data: a directory or input.npy:output.npy (with a model); the golden root (without one).")
    var golden: String?

    @Option(help: "The fixtures root, used without a model.")
    var fixtures = "Fixtures"

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var memoryOptions: MemoryOptions

    func run() throws { try printReport() }

    func report() throws -> CommandReport {
        let pipeline = try pipelineOptions.pipeline(memoryLimit: memoryOptions.limit)
        let tolerance = pipelineOptions.tolerance
        var entries: [VerificationReport.Entry] = []
        if let model {
            let graph = try ModelFile.loadGraph(model)
            let optimized = try VerifiedOptimization.run(graph, model: model, pipeline: pipeline, golden: golden, stopsOnBaselineMismatch: false)
            var executor: [ExecutorCheck] = []
            if let golden {
                let (patches, _) = try VerificationInputs.patches(for: graph, golden: golden)
                executor = try ExecutorCheck.widths.map {
                    try ExecutorCheck.run(optimized, patch: patches[0], lanes: $0, tolerance: tolerance, memoryLimit: memoryOptions.limit)
                }
            }
            entries.append(.init(model: model, nodes: graph.nodes.count, record: optimized.verification!, executor: executor))
        } else {
            for fixture in try FixtureCatalog.fixtures(root: fixtures, goldenRoot: golden ?? "Golden") {
                let graph = try fixture.load()
                let patch = try VerificationInputs.patch(graph, goldenDirectory: fixture.goldenDirectory)
                let optimized = try pipeline.run(graph, patches: [patch], patchDescription: "golden patches from "
                                                 + (golden ?? "Golden") + "/")
                let executor = try ExecutorCheck.widths.map {
                    try ExecutorCheck.run(optimized, patch: patch, lanes: $0, tolerance: tolerance, memoryLimit: memoryOptions.limit)
                }
                entries.append(.init(model: fixture.name, nodes: graph.nodes.count, record: optimized.verification!,
                                     executor: executor))
            }
        }
        let report = VerificationReport(entries: entries)
        return CommandReport(pipelineOptions.json ? try report.json() : report.table(verbose: pipelineOptions.verbose),
                             holds: report.holds)
    }
}
