import PZTestSupport
import Testing

@Suite struct HelpTests {
    private let subcommands = ["import", "verify", "optimize", "export", "run", "predict", "status", "submit", "bench", "inspect"]

    /// `pzconv --help` lists every subcommand (not the hidden HDF5 worker), each
    /// with a one-line description that carries an example.
    @Test func listsEverySubcommandWithAnExample() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        for name in subcommands {
            let line = help.stdout.split(separator: "\n").first { $0.hasPrefix("  \(name) ") }
            #expect(line != nil, "no help line for \(name)")
            let entry = help.stdout.components(separatedBy: "  \(name) ").dropFirst().first ?? ""
            let description = entry.components(separatedBy: "\n  ").prefix(1).joined()
            #expect(entry.contains("(pzconv \(name)"), "no example in the description of \(name): \(description)")
        }
        #expect(!help.stdout.contains("hdf5-worker"))
    }

    @Test(arguments: ["import", "verify", "optimize", "export", "run", "predict", "status", "submit", "submit slurm",
                       "submit k8s", "bench", "inspect"])
    func eachSubcommandHasHelpWithExamples(_ name: String) throws {
        let help = try CLI.run(name.split(separator: " ").map(String.init) + ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:"))
        #expect(help.stdout.contains("pzconv \(name) "))
    }
}
