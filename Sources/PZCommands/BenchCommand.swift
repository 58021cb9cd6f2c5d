import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the fast executor: median and min latency, GFLOP/s, peak memory (pzconv bench net.pz).",
        discussion: """
        Examples:
          pzconv bench net.pz
          pzconv bench net.pz --warmup 10 --iterations 60 --threads 2 --layers
        """
    )

    @Argument(help: "The .pz model to time.")
    var model: String

    @Option(help: "Untimed runs before timing.")
    var warmup = 10

    @Option(help: "Timed runs.")
    var iterations = 60

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Also print the time of each layer.")
    var layers = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        throw CommandError.notAvailable("bench", until: "the packed model and the fast executor")
    }
}
