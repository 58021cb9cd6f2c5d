import ArgumentParser

/// A command whose whole result is the text it prints (`import`, `optimize`,
/// `verify`, `export`, `inspect`): the command line prints it, the C library
/// (`pzconv_command`, PZLibrary) runs the same command in-process and hands the
/// text back instead.
package protocol ReportingCommand: ParsableCommand {
    /// What the command prints on success; throws what the command line reports.
    func report() throws -> CommandReport
}

/// The text a reporting command prints, and whether what it checked holds
/// (a `verify` that finds a pass out of tolerance still reports, then fails).
package struct CommandReport: Sendable {
    package var text: String
    package var holds: Bool

    package init(_ text: String, holds: Bool = true) {
        self.text = text
        self.holds = holds
    }
}

extension ReportingCommand {
    /// Prints the report; exit status 1 when it does not hold.
    func printReport() throws {
        let report = try report()
        print(report.text)
        if !report.holds { throw ExitCode(1) }
    }
}
