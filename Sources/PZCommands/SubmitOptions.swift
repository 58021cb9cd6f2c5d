import ArgumentParser
import Foundation
import PZGraph

/// What `submit slurm` and `submit k8s` share: the `predict` every task runs
/// (model, input, Zarr output, extra predict options after `--`) and the number
/// of tasks, each computing one shard (`--shard auto/N`).
struct SubmitOptions: ParsableArguments {
    @Argument(help: "The model every task runs (.pz, or .pzir on the reference executor).")
    var model: String

    @Argument(help: "The input volume (as predict takes it).")
    var input: String

    @Option(name: .shortAndLong, help: "The output: a .zarr directory the tasks write side by side.")
    var output: String

    @Option(help: "Tasks, one shard of the output's chunks each.")
    var tasks: Int

    @Option(help: "Memory per task (K, M, G): the batch system's limit and predict's --max-memory.")
    var memory = "8G"

    @Option(help: "Wall-clock limit per task, as sbatch takes it (D-HH:MM:SS, HH:MM:SS or minutes).")
    var time = "24:00:00"

    @Flag(help: "Submit it now (sbatch, or kubectl apply) after writing it.")
    var now = false

    @Argument(parsing: .postTerminator, help: "More predict options, after --: -- --blend gaussian --dtype uint8.")
    var predictOptions: [String] = []

    /// Stands for the thread count in `predictArguments` until the script fills it in.
    static let threadsPlaceholder = "\u{1}threads"

    /// Options the tasks' command sets itself.
    static let reserved = ["--shard", "--threads", "--overwrite", "-o", "--output", "--max-memory"]

    func validate() throws {
        guard tasks >= 1 && tasks <= 1_000_000 else { throw ValidationError("--tasks must be 1 to 1000000, got \(tasks)") }
        guard output.hasSuffix(".zarr") || output.hasSuffix(".zarr/") else {
            throw ValidationError("-o \(output): shards write a Zarr output side by side; name a .zarr directory")
        }
        do { _ = try MemoryLimit(parsing: memory) } catch { throw ValidationError("--memory: \(error)") }
        guard (try? TimeLimit(time)) != nil else {
            throw ValidationError("--time takes D-HH:MM:SS, HH:MM:SS, MM:SS or minutes, got '\(time)'")
        }
        if let clash = predictOptions.first(where: { option in Self.reserved.contains { option == $0 || option.hasPrefix($0 + "=") } }) {
            throw ValidationError("\(clash) after --: each task's command sets --shard, --threads, -o and --max-memory (from --memory) itself, and never --overwrite")
        }
    }

    var memoryBytes: Int { (try? MemoryLimit(parsing: memory).bytes) ?? 0 }

    /// Whole MiB, rounded up: what batch systems take.
    var memoryMiB: Int { (memoryBytes + (1 << 20) - 1) >> 20 }

    /// The predict command line a task runs, with `threads` as given (a number
    /// or a shell expansion), paths resolved by `path`. Checked by parsing it as
    /// predict does, so a bad option fails here and not in every task.
    func predictArguments(threads: String, path: (String) -> String) throws -> [String] {
        var modelInput = [path(model)]
        if let (file, dataset) = VolumeFile.hdf5Dataset(input) {
            modelInput.append(path(file) + ":" + dataset)
        } else {
            modelInput.append(path(input))
        }
        let arguments = modelInput + ["-o", path(output), "--shard", "auto/\(tasks)", "--threads", threads,
                                      "--max-memory", "\(memoryMiB)M"] + predictOptions
        let check = arguments.map { $0 == threads ? "1" : $0 == "auto/\(tasks)" ? "0/\(tasks)" : $0 }
        do {
            _ = try PredictOptions(try PredictCommand.parse(check))
        } catch let error as CommandError {
            throw CommandError("the tasks' predict options: \(error.description)")
        } catch {
            throw CommandError("the tasks' predict options: \(PredictCommand.message(for: error))")
        }
        return arguments
    }
}

/// A wall-clock limit as sbatch writes it: `minutes`, `MM:SS`, `HH:MM:SS`,
/// `D-HH`, `D-HH:MM` or `D-HH:MM:SS`.
struct TimeLimit {
    let seconds: Int

    init(_ text: String) throws {
        let dayParts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { throw ValidationError("time") }
        let days = dayParts.count == 2 ? Int(dayParts[0]) : 0
        let clock = dayParts.last!.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard let days, days >= 0, !clock.isEmpty, clock.count <= 3, clock.allSatisfy({ $0 != nil && $0! >= 0 }) else {
            throw ValidationError("time")
        }
        let values = clock.map { $0! }
        let hasDays = dayParts.count == 2
        switch (hasDays, values.count) {
        case (false, 1): seconds = values[0] * 60
        case (false, 2): seconds = values[0] * 60 + values[1]
        case (false, 3): seconds = values[0] * 3600 + values[1] * 60 + values[2]
        case (true, 1): seconds = days * 86400 + values[0] * 3600
        case (true, 2): seconds = days * 86400 + values[0] * 3600 + values[1] * 60
        default: seconds = days * 86400 + values[0] * 3600 + values[1] * 60 + values[2]
        }
        guard seconds > 0 else { throw ValidationError("time") }
    }
}

/// `text` quoted for a POSIX shell: in single quotes, a single quote as '\''.
func shellQuoted(_ text: String) -> String {
    if !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+=:,@%".contains($0)) }) {
        return text
    }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// An absolute, standardized path for `path` (relative to the current directory).
func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}
