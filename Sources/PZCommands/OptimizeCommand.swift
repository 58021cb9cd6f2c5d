import ArgumentParser
import PZGraph
import PZPasses

struct OptimizeCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Apply the PZnet fusions, each verified, and write the optimized .pzir (pzconv optimize net.pzir -o net.opt.pzir).",
        discussion: """
        Passes, in order: \(PassPipeline.standardPasses.map(\.name).joined(separator: ", ")). Before and after \
        each pass the reference executor runs on the verification patches; a pass that moves the outputs \
        beyond the tolerance is rolled back and reported with the first diverging layer. The record is \
        stored in the output file (see pzconv inspect).

        Examples:
          pzconv optimize net.pzir -o net.opt.pzir
          pzconv optimize net.pzir -o net.opt.pzir --golden golden/ --tolerance 1e-4
          pzconv optimize net.pzir -o net.opt.pzir --passes eltwise-fusion,linear-fusion
        """
    )

    @Argument(help: "The .pzir model to optimize.")
    var model: String

    @Option(name: .shortAndLong, help: "The optimized .pzir file to write.")
    var output: String

    @Option(help: "Golden data: a directory (input.npy, output.<name>.npy), or input.npy:output.npy.")
    var golden: String?

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var memoryOptions: MemoryOptions

    func run() throws { try printReport() }

    func report() throws -> CommandReport {
        guard output.hasSuffix(".pzir") else { throw CommandError("\(output): the output of optimize must be a .pzir file") }
        let graph = try ModelFile.loadGraph(model)
        let optimized = try VerifiedOptimization.run(graph, model: model, pipeline: try pipelineOptions.pipeline(memoryLimit: memoryOptions.limit),
                                                     golden: golden)
        try PZIRFile.write(optimized, to: output)
        let report = VerificationReport(entries: [.init(model: model, nodes: graph.nodes.count, record: optimized.verification!)])
        if pipelineOptions.json { return CommandReport(try report.json()) }
        return CommandReport(report.table(verbose: pipelineOptions.verbose) + "\n\(model) → \(output): \(graph.nodes.count) → \(optimized.nodes.count) nodes")
    }
}
