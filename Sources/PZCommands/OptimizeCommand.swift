import ArgumentParser

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Apply the PZnet fusions, each verified, and write the optimized .pzir (pzconv optimize net.pzir -o net.opt.pzir).",
        discussion: """
        Examples:
          pzconv optimize net.pzir -o net.opt.pzir
          pzconv optimize net.pzir -o net.opt.pzir --passes eltwise-fusion,linear-fusion --tolerance 1e-4
        """
    )

    @Argument(help: "The .pzir model to optimize.")
    var model: String

    @Option(name: .shortAndLong, help: "The optimized .pzir file to write.")
    var output: String

    @Option(help: "Comma-separated passes to run (default: all, in the paper's order).")
    var passes: String?

    @Option(help: "Largest accepted error, relative to max(1, |reference|max).")
    var tolerance: Double = 1e-4

    @Option(help: "Golden data: a directory, or input.npy:output.npy.")
    var golden: String?

    func run() throws {
        throw CommandError.notAvailable("optimize", until: "the verified pass pipeline")
    }
}
