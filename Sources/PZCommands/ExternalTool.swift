import Foundation

/// Runs a batch system's own command-line tool (`sbatch`, `kubectl`) found on PATH.
enum ExternalTool {
    /// Runs `tool arguments…` and returns its standard output, trimmed; a missing
    /// tool or a non-zero exit is one line saying which and why.
    static func run(_ tool: String, _ arguments: [String], purpose: String) throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            throw CommandError("\(tool) is not on PATH, so pzconv cannot \(purpose) (the file is written: run it where \(tool) is)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw CommandError("\(path): cannot start it to \(purpose) (\(error))") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let said = String(decoding: stderr, as: UTF8.self).split(separator: "\n").joined(separator: "; ")
        guard process.terminationStatus == 0 else {
            throw CommandError("\(tool) \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)): \(said)")
        }
        return String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
