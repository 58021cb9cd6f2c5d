import ArgumentParser

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Pack a .pzir into the SIMD-blocked .pz model the fast executor runs (pzconv export net.pzir -o net.pz).",
        discussion: """
        Examples:
          pzconv export net.pzir -o net.pz
          pzconv export net.pzir -o net.pz --simd 8
        """
    )

    @Argument(help: "The .pzir model to pack.")
    var model: String

    @Option(name: .shortAndLong, help: "The .pz file to write.")
    var output: String

    @Option(help: "SIMD width S of the blocked layout: 8 or 16 (default: the best for this CPU).")
    var simd: Int?

    @Flag(help: "Pack the graph as it is, without running the pass pipeline.")
    var noPasses = false

    func run() throws {
        throw CommandError.notAvailable("export", until: "the packed model and the fast executor")
    }
}
