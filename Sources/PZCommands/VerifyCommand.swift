import ArgumentParser

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every optimization pass against the unfused model and the golden outputs (pzconv verify --tolerance 1e-4).",
        discussion: """
        Examples:
          pzconv verify --tolerance 1e-4
          pzconv verify net.pzir --golden golden/
        """
    )

    @Argument(help: "A .pzir model; without one, every fixture in Fixtures/ is verified against Golden/.")
    var model: String?

    @Option(help: "Golden data: a directory, or input.npy:output.npy.")
    var golden: String?

    @Option(help: "Largest accepted error, relative to max(1, |reference|max).")
    var tolerance: Double = 1e-4

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        throw CommandError.notAvailable("verify", until: "the verified pass pipeline")
    }
}
