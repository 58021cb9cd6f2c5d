import ArgumentParser
import Foundation
import PZGraph

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Run predict over many machines as a SLURM job array or a Kubernetes Indexed Job, one shard per task (pzconv submit slurm net.pz raw.zarr -o out.zarr --tasks 64).",
        discussion: """
        Writes a batch job a user can read and edit (and with --now submits it): each task runs \
        `pzconv predict … --shard auto/N`, computing one shard of the output's chunks; a task killed \
        or failed and run again finishes its shard, and `pzconv status OUTPUT` shows what is left.

        Examples:
          pzconv submit slurm net.pz raw.zarr -o affinity.zarr --tasks 64 --partition cpu --now
          pzconv submit k8s net.pz raw.zarr -o affinity.zarr --tasks 64 --image registry/pzconv:1 --pvc em-data
        """,
        subcommands: [SubmitSlurmCommand.self, SubmitKubernetesCommand.self]
    )
}

struct SubmitSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write an sbatch job-array script: task I of N runs pzconv predict --shard I/N.",
        discussion: """
        The script is a plain file to read and edit: `#SBATCH --array=0-(N-1)`, the time limit, \
        memory and CPUs per task, --requeue (a task requeued after a node failure resumes its \
        shard), one log per task (--logs, appended across requeues), and `pzconv predict … --shard \
        auto/N --threads $SLURM_CPUS_PER_TASK` through this pzconv binary's absolute path (or \
        --pzconv). Paths are made absolute. Resubmitting one task, `sbatch --array=2 SCRIPT`, \
        computes what is left of shard 2; `pzconv status OUTPUT` shows which shards are done.

        Examples:
          pzconv submit slurm net.pz raw.zarr -o affinity.zarr --tasks 64 --partition cpu --now
          pzconv submit slurm net.pz raw.h5:/raw -o affinity.zarr --tasks 8 --cpus-per-task 4 -- --blend gaussian
        """
    )

    @OptionGroup var options: SubmitOptions

    @Option(help: "CPUs per task (the tasks' --threads).")
    var cpusPerTask = 2

    @Option(help: "SLURM partition.")
    var partition: String?

    @Option(help: "SLURM account.")
    var account: String?

    @Option(help: "The job's name.")
    var jobName = "pzconv-predict"

    @Option(help: ArgumentHelp("Another sbatch option for the script, repeatable: --sbatch=--qos=long.", valueName: "option"))
    var sbatch: [String] = []

    @Option(help: "Where to write the script (default: OUTPUT's name + .slurm.sh, in the current directory).")
    var script: String?

    @Option(help: "The folder for the tasks' logs (default: OUTPUT's name + .logs, in the current directory).")
    var logs: String?

    @Option(help: "The pzconv the tasks run (default: this one, by absolute path).")
    var pzconv: String?

    func validate() throws {
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1") }
        for option in sbatch where !option.hasPrefix("-") || option.contains("\n") {
            throw ValidationError("--sbatch takes one sbatch option such as --qos=long, got '\(option)'")
        }
    }

    func run() throws {
        let name = URL(fileURLWithPath: options.output).deletingPathExtension().lastPathComponent
        let scriptPath = absolutePath(script ?? name + ".slurm.sh")
        let logFolder = absolutePath(logs ?? name + ".logs")
        let binary = try pzconv.map(absolutePath) ?? Self.thisExecutable()
        let predict = try options.predictArguments(threads: SubmitOptions.threadsPlaceholder, path: absolutePath)
        let command = ([binary, "predict"] + predict).map {
            $0 == SubmitOptions.threadsPlaceholder ? "\"${SLURM_CPUS_PER_TASK:-1}\"" : shellQuoted($0)
        }
        var directives = [
            "--job-name=\(jobName)",
            "--array=0-\(options.tasks - 1)",
            "--time=\(options.time)",
            "--cpus-per-task=\(cpusPerTask)",
            "--mem=\(options.memoryMiB)M",
            "--requeue",
            "--open-mode=append",
            "--output=\(logFolder)/%x-%A_%a.log",
        ]
        if let partition { directives.append("--partition=\(partition)") }
        if let account { directives.append("--account=\(account)") }
        directives += sbatch
        let text = """
        #!/bin/bash
        # pzconv predict as a SLURM job array, written by `pzconv submit slurm`: task I of \(options.tasks)
        # computes shard I of the output's chunks. Submit:   sbatch \(shellQuoted(scriptPath))
        # Progress:         \(shellQuoted(binary)) status \(shellQuoted(absolutePath(options.output)))
        # Rerun shard 2:    sbatch --array=2 \(shellQuoted(scriptPath))   (finished chunks are kept)
        \(directives.map { "#SBATCH \($0)" }.joined(separator: "\n"))
        set -euo pipefail
        echo "pzconv shard ${SLURM_ARRAY_TASK_ID}/\(options.tasks): job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        exec \(command.joined(separator: " "))

        """
        do {
            try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true)
            try AtomicFile.write(Array(text.utf8), to: scriptPath)
            chmod(scriptPath, 0o755)
        } catch {
            throw CommandError("\(scriptPath): cannot write the script (\(error))")
        }
        print("wrote \(scriptPath): \(options.tasks) array tasks, logs in \(logFolder)/")
        guard options.now else {
            print("submit it with: sbatch \(shellQuoted(scriptPath))")
            return
        }
        let submitted = try ExternalTool.run("sbatch", ["--parsable", scriptPath], purpose: "submit the job array")
        let job = submitted.split(separator: ";").first.map(String.init) ?? submitted
        print("submitted job \(job) (tasks \(job)_0 … \(job)_\(options.tasks - 1)); follow it with: squeue -j \(job)")
    }

    /// This process's own executable, by absolute path.
    static func thisExecutable() throws -> String {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return absolutePath(CommandLine.arguments[0])
        }
        return path
    }
}
