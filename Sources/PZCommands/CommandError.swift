import PZGraph

/// A command that cannot do what was asked; printed as one line, exit status 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }

    /// The error of a subcommand whose capability has not landed yet.
    static func notAvailable(_ command: String, until capability: String) -> CommandError {
        CommandError("pzconv \(command) is not available yet in this build (it arrives with \(capability))")
    }
}

enum PZConvVersionInfo {
    static var text: String { PZConvVersion.version }
}
