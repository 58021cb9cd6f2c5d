import Foundation
import PZGraph

/// A command that cannot do what was asked; printed as one line, exit status 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

enum PZConvVersionInfo {
    static var text: String { PZConvVersion.version }
}

/// A progress note for long steps: on standard error, so that standard output
/// keeps only the command's result.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
